package io.hookline.plugin.webhooks;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hookline.api.hook.Answer;
import io.hookline.api.hook.Hook;
import io.hookline.api.hook.HookKind;
import io.hookline.api.hook.Modifier;
import io.hookline.api.hook.Modifiers;
import io.hookline.api.hook.input.Client;
import io.hookline.api.hook.input.ClientEvent;
import io.hookline.api.hook.input.ConfigChange;
import io.hookline.api.hook.input.EnhancedAuthInput;
import io.hookline.api.hook.input.HookInput;
import io.hookline.api.hook.input.MessageDrop;
import io.hookline.api.hook.input.PublishInput;
import io.hookline.api.hook.input.RegisterEvent;
import io.hookline.api.hook.input.RegisterInput;
import io.hookline.api.hook.input.SubscribeInput;
import io.hookline.api.hook.input.TopicsUnsubscribed;
import io.hookline.api.hook.input.UnsubscribeInput;
import io.hookline.api.mqtt.Bytes;
import io.hookline.api.mqtt.Properties;
import io.hookline.api.mqtt.PropertyKey;
import io.hookline.api.mqtt.TopicSubscription;
import io.hookline.api.mqtt.Topics;
import io.hookline.api.mqtt.UserProperty;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * VerneMQ's webhook JSON, generically from a hook's descriptor: a hook input becomes the request
 * body, a response body becomes an {@link Answer} with validated modifiers. Stateless and
 * thread-safe (Jackson's {@code ObjectMapper} is thread-safe once configured).
 */
public final class WireFormat {
    static final ObjectMapper JSON = new ObjectMapper();

    private WireFormat() {}

    /** A response the endpoint got wrong; its message says what, for the log line. */
    public static final class BadAnswer extends Exception {
        private static final long serialVersionUID = 1L;

        public BadAnswer(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * @return the request body of {@code hook} for {@code input} as a tree (what {@link #write}
     *     writes, read back); payloads base64-encoded unless {@code base64Payload} is false
     */
    public static ObjectNode encode(Hook<?> hook, HookInput input, boolean base64Payload) {
        try {
            return (ObjectNode) JSON.readTree(bytes(hook, input, base64Payload));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @return the request body of {@code hook} for {@code input}, written without a JSON tree */
    static byte[] bytes(Hook<?> hook, HookInput input, boolean base64Payload) {
        ByteArrayBuilder out = new ByteArrayBuilder(256);
        try (JsonGenerator g = JSON.getFactory().createGenerator(out)) {
            write(g, hook, input, base64Payload, false);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // into memory: cannot happen
        }
        return out.toByteArray();
    }

    /**
     * @return the AUTH cache's key text for {@code input}: its body without {@code payload} and
     *     {@code peer_port} (neither makes a different answer)
     */
    static String cacheKey(Hook<?> hook, HookInput input, boolean base64Payload) {
        ByteArrayBuilder out = new ByteArrayBuilder(256);
        try (JsonGenerator g = JSON.getFactory().createGenerator(out)) {
            write(g, hook, input, base64Payload, true);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new String(out.toByteArray(), StandardCharsets.UTF_8);
    }

    /**
     * Writes the request body of {@code hook} for {@code input} as one JSON object, field by field
     * (no tree): payloads base64-encoded unless {@code base64Payload} is false (then UTF-8 text);
     * {@code forKey} leaves out {@code payload} and {@code peer_port} (the AUTH cache's key).
     */
    static void write(JsonGenerator g, Hook<?> hook, HookInput input, boolean base64Payload, boolean forKey)
            throws IOException {
        g.writeStartObject();
        boolean m5 = hook.isMqtt5();
        Client c = input.client();
        if (input instanceof RegisterInput r) {
            g.writeStringField("peer_addr", r.peerAddr());
            if (!forKey) {
                g.writeNumberField("peer_port", r.peerPort());
            }
        } else if (input instanceof RegisterEvent r) {
            g.writeStringField("peer_addr", r.peerAddr());
            if (!forKey) {
                g.writeNumberField("peer_port", r.peerPort());
            }
        }
        g.writeStringField("client_id", c.clientId());
        g.writeStringField("mountpoint", c.mountpoint());
        g.writeStringField("username", c.username());
        if (input instanceof RegisterInput r) {
            g.writeStringField(
                    "password", r.password() == null ? null : r.password().asUtf8String());
            g.writeBooleanField(m5 ? "clean_start" : "clean_session", r.cleanSession());
            writeProperties(g, r.properties(), m5);
        } else if (input instanceof PublishInput p) {
            writeMessage(g, p.topic(), p.qos(), p.payload(), p.retain(), base64Payload, forKey);
            writeProperties(g, p.properties(), m5);
        } else if (input instanceof SubscribeInput s) {
            g.writeArrayFieldStart("topics");
            for (TopicSubscription t : s.topics()) {
                g.writeStartObject();
                g.writeStringField("topic", t.topic());
                g.writeNumberField("qos", t.qos());
                if (m5) {
                    g.writeBooleanField("no_local", t.noLocal());
                    g.writeBooleanField("rap", t.retainAsPublished());
                    g.writeNumberField("retain_handling", t.retainHandling());
                }
                g.writeEndObject();
            }
            g.writeEndArray();
            writeProperties(g, s.properties(), m5);
        } else if (input instanceof UnsubscribeInput u) {
            writeStrings(g, "topics", u.topics());
            writeProperties(g, u.properties(), m5);
        } else if (input instanceof RegisterEvent r) {
            writeProperties(g, r.properties(), m5);
        } else if (input instanceof TopicsUnsubscribed t) {
            writeStrings(g, "topics", t.topics());
            g.writeBooleanField("all_topics", t.allTopics());
        } else if (input instanceof MessageDrop d) {
            g.writeStringField("reason", d.reason());
            writeMessage(g, d.topic(), d.qos(), d.payload(), d.retain(), base64Payload, forKey);
            writeProperties(g, d.properties(), m5);
        } else if (input instanceof EnhancedAuthInput a) {
            Properties props = a.properties().toBuilder()
                    .put(PropertyKey.AUTHENTICATION_METHOD, a.authMethod())
                    .put(PropertyKey.AUTHENTICATION_DATA, a.authData())
                    .build();
            g.writeBooleanField("reauth", a.reauthentication());
            writeProperties(g, props, true);
        } else if (input instanceof ConfigChange cc) {
            g.writeObjectFieldStart("changed");
            for (Map.Entry<String, String> e : cc.changed().entrySet()) {
                g.writeStringField(e.getKey(), e.getValue());
            }
            g.writeEndObject();
        } else if (!(input instanceof ClientEvent)) { // a ClientEvent is client_id, mountpoint, username
            throw new IllegalArgumentException(
                    "no wire format for " + input.getClass().getName());
        }
        g.writeEndObject();
    }

    private static void writeStrings(JsonGenerator g, String name, Iterable<String> values) throws IOException {
        g.writeArrayFieldStart(name);
        for (String v : values) {
            g.writeString(v);
        }
        g.writeEndArray();
    }

    private static void writeMessage(
            JsonGenerator g, String topic, int qos, Bytes payload, boolean retain, boolean base64, boolean forKey)
            throws IOException {
        g.writeStringField("topic", topic);
        g.writeNumberField("qos", qos);
        if (!forKey) {
            g.writeFieldName("payload");
            if (base64) {
                // Jackson's default variant is standard base64 with padding and no line feeds
                g.writeBinary(payload.toArray());
            } else {
                g.writeString(payload.asUtf8String());
            }
        }
        g.writeBooleanField("retain", retain);
    }

    /** m5 hooks always carry {@code properties}; the others only when there are some. */
    private static void writeProperties(JsonGenerator g, Properties props, boolean always) throws IOException {
        if (!always && props.isEmpty()) {
            return;
        }
        g.writeObjectFieldStart("properties");
        for (Map.Entry<PropertyKey<?>, Object> e : props.asMap().entrySet()) {
            Object v = e.getValue();
            String name = e.getKey().name();
            if (v instanceof Bytes b) {
                g.writeStringField(name, b.toBase64());
            } else if (v instanceof Boolean b) {
                g.writeBooleanField(name, b);
            } else if (v instanceof Number num) {
                g.writeNumberField(name, num.longValue());
            } else {
                g.writeStringField(name, String.valueOf(v));
            }
        }
        if (!props.userProperties().isEmpty()) {
            g.writeArrayFieldStart("p_user_property");
            for (UserProperty up : props.userProperties()) {
                g.writeStartObject();
                g.writeStringField("key", up.key());
                g.writeStringField("val", up.value());
                g.writeEndObject();
            }
            g.writeEndArray();
        }
        g.writeEndObject();
    }

    /**
     * @return the answer in {@code body} for {@code hook} (AUTH and REWRITE hooks)
     * @throws BadAnswer when the body is not JSON, has an unknown result, an unknown modifier or
     *     an invalid modifier value
     */
    public static Answer decode(Hook<?> hook, byte[] body, boolean base64Payload) throws BadAnswer {
        if (isPlainOk(body)) {
            return Answer.ok(); // the common answer, without building a JSON tree for it
        }
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (IOException e) {
            throw new BadAnswer("response is not JSON: " + firstLine(e.getMessage()));
        }
        if (root == null || !root.isObject()) {
            throw new BadAnswer("response is not a JSON object");
        }
        JsonNode result = root.get("result");
        if (result == null) {
            throw new BadAnswer("response has no \"result\"");
        }
        if (result.isTextual() && result.asText().equals("next")) {
            return Answer.next();
        }
        if (result.isObject() && result.has("error")) {
            String reason = result.get("error").isTextual()
                    ? result.get("error").asText()
                    : result.get("error").toString();
            JsonNode code = result.get("reason_code");
            if (code != null && code.canConvertToInt() && code.asInt() >= 0x80 && code.asInt() <= 0xFF) {
                return new Answer.Error(reason, OptionalInt.of(code.asInt()), Properties.EMPTY);
            }
            return Answer.error(reason);
        }
        if (!(result.isTextual() && result.asText().equals("ok"))) {
            throw new BadAnswer("unknown result " + result);
        }
        Modifiers.Builder mods = Modifiers.builder();
        JsonNode modifiers = root.get("modifiers");
        if (modifiers != null && !modifiers.isNull()) {
            if (!modifiers.isObject()) {
                throw new BadAnswer("\"modifiers\" is not a JSON object");
            }
            Iterator<Map.Entry<String, JsonNode>> it = modifiers.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                setModifier(hook, mods, e.getKey(), e.getValue(), base64Payload);
            }
        }
        // auth_on_subscribe and on_unsubscribe answer with a top-level "topics" list
        JsonNode topics = root.get("topics");
        if (topics != null && !topics.isNull()) {
            setModifier(hook, mods, "topics", topics, base64Payload);
        }
        return Answer.ok(mods.build());
    }

    /** @return true when {@code body} is exactly {@code {"result":"ok"}}, give or take JSON whitespace */
    static boolean isPlainOk(byte[] body) {
        int i = skipSpace(body, 0);
        for (byte[] token : PLAIN_OK) {
            if (i + token.length > body.length || !Arrays.equals(body, i, i + token.length, token, 0, token.length)) {
                return false;
            }
            i = skipSpace(body, i + token.length);
        }
        return i == body.length;
    }

    private static final byte[][] PLAIN_OK = {
        {'{'}, {'"', 'r', 'e', 's', 'u', 'l', 't', '"'}, {':'}, {'"', 'o', 'k', '"'}, {'}'}
    };

    private static int skipSpace(byte[] b, int i) {
        while (i < b.length && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r')) {
            i++;
        }
        return i;
    }

    private static void setModifier(Hook<?> hook, Modifiers.Builder mods, String name, JsonNode v, boolean base64)
            throws BadAnswer {
        Modifier<?> m = hook.modifier(name).orElse(null);
        if (m == null || hook.kind() == HookKind.NOTIFY) {
            throw new BadAnswer("unknown modifier '" + name + "' for " + hook.name());
        }
        try {
            put(mods, m, value(hook, m, v, base64));
        } catch (BadAnswer e) {
            throw new BadAnswer("invalid modifier '" + name + "': " + e.getMessage());
        }
    }

    @SuppressWarnings("unchecked")
    private static <T> void put(Modifiers.Builder mods, Modifier<T> m, Object value) {
        mods.set(m, (T) value);
    }

    private static Object value(Hook<?> hook, Modifier<?> m, JsonNode v, boolean base64) throws BadAnswer {
        if (m == Modifier.TOPICS) {
            return subscriptions(hook, v);
        }
        if (m == Modifier.UNSUBSCRIBE_TOPICS) {
            if (!v.isArray()) {
                throw new BadAnswer("expected a list of topic filters");
            }
            List<String> out = new ArrayList<>();
            for (JsonNode t : v) {
                if (!t.isTextual() || !Topics.isValidFilter(t.asText())) {
                    throw new BadAnswer("not a valid topic filter: " + t);
                }
                out.add(t.asText());
            }
            return List.copyOf(out);
        }
        if (m == Modifier.PAYLOAD) {
            if (!v.isTextual()) {
                throw new BadAnswer("expected a string");
            }
            try {
                return base64 ? Bytes.fromBase64(v.asText()) : Bytes.utf8(v.asText());
            } catch (IllegalArgumentException e) {
                throw new BadAnswer("not base64");
            }
        }
        if (m == Modifier.PROPERTIES) {
            return properties(v);
        }
        Class<?> type = m.type();
        if (type == String.class) {
            if (!v.isTextual()) {
                throw new BadAnswer("expected a string, got " + v);
            }
            if (m == Modifier.TOPIC && !Topics.isValidTopicName(v.asText())) {
                throw new BadAnswer("not a valid topic name: " + v.asText());
            }
            return v.asText();
        }
        if (type == Boolean.class) {
            if (!v.isBoolean()) {
                throw new BadAnswer("expected true or false, got " + v);
            }
            return v.asBoolean();
        }
        if (type == Long.class || type == Integer.class) {
            if (!v.isIntegralNumber() || v.asLong() < 0) {
                throw new BadAnswer("expected a non-negative integer, got " + v);
            }
            if (m == Modifier.QOS && v.asLong() > 2) {
                throw new BadAnswer("qos must be 0, 1 or 2, got " + v);
            }
            if (type == Integer.class) {
                if (!v.canConvertToInt()) {
                    throw new BadAnswer("out of range: " + v);
                }
                return v.asInt();
            }
            return v.asLong();
        }
        throw new BadAnswer("not supported over webhooks");
    }

    private static List<TopicSubscription> subscriptions(Hook<?> hook, JsonNode v) throws BadAnswer {
        if (!v.isArray()) {
            throw new BadAnswer("expected a list of {topic, qos}");
        }
        List<TopicSubscription> out = new ArrayList<>();
        for (JsonNode t : v) {
            String topic;
            JsonNode qos;
            JsonNode opts = t;
            if (t.isArray() && t.size() == 2) { // VerneMQ's older [topic, qos] pairs
                topic = t.get(0).isTextual() ? t.get(0).asText() : null;
                qos = t.get(1);
                opts = JSON.createObjectNode();
            } else if (t.isObject()) {
                topic = t.hasNonNull("topic") && t.get("topic").isTextual()
                        ? t.get("topic").asText()
                        : null;
                qos = t.get("qos");
            } else {
                throw new BadAnswer("expected {topic, qos}, got " + t);
            }
            if (topic == null || !Topics.isValidFilter(topic)) {
                throw new BadAnswer("not a valid topic filter: " + t);
            }
            if (qos == null || !qos.canConvertToInt() || !qos.isIntegralNumber()) {
                throw new BadAnswer("qos missing for " + topic);
            }
            int q = qos.asInt();
            boolean refusal = hook.isMqtt5() ? q >= 0x80 && q <= 0xFF : q == TopicSubscription.REFUSED;
            if (!(q >= 0 && q <= 2) && !refusal) {
                throw new BadAnswer("qos of " + topic + " must be 0..2 or a refusal code, got " + q);
            }
            out.add(new TopicSubscription(
                    topic,
                    q,
                    opts.path("no_local").asBoolean(false),
                    opts.path("rap").asBoolean(false),
                    opts.path("retain_handling").asInt(0)));
        }
        return List.copyOf(out);
    }

    private static Properties properties(JsonNode v) throws BadAnswer {
        if (!v.isObject()) {
            throw new BadAnswer("expected an object of p_* keys");
        }
        Properties.Builder b = Properties.builder();
        Iterator<Map.Entry<String, JsonNode>> it = v.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = e.getKey();
            JsonNode val = e.getValue();
            if (name.equals("p_user_property")) {
                if (!val.isArray()) {
                    throw new BadAnswer("p_user_property must be a list of {key, val}");
                }
                for (JsonNode up : val) {
                    if (!up.path("key").isTextual() || !up.path("val").isTextual()) {
                        throw new BadAnswer("p_user_property entry must be {\"key\":..,\"val\":..}, got " + up);
                    }
                    b.userProperty(up.get("key").asText(), up.get("val").asText());
                }
                continue;
            }
            PropertyKey<?> key =
                    PropertyKey.byName(name).orElseThrow(() -> new BadAnswer("unknown property '" + name + "'"));
            putProperty(b, key, propertyValue(key, val));
        }
        return b.build();
    }

    private static Object propertyValue(PropertyKey<?> key, JsonNode val) throws BadAnswer {
        Class<?> t = key.type();
        if (t == String.class && val.isTextual()) {
            return val.asText();
        }
        if (t == Bytes.class && val.isTextual()) {
            try {
                return Bytes.of(Base64.getDecoder().decode(val.asText()));
            } catch (IllegalArgumentException e) {
                throw new BadAnswer(key.name() + " is not base64");
            }
        }
        if (t == Boolean.class && val.isBoolean()) {
            return val.asBoolean();
        }
        if (t == Integer.class && val.isIntegralNumber() && val.canConvertToInt() && val.asInt() >= 0) {
            return val.asInt();
        }
        if (t == Long.class && val.isIntegralNumber() && val.asLong() >= 0) {
            return val.asLong();
        }
        throw new BadAnswer(key.name() + " has a value of the wrong type: " + val);
    }

    @SuppressWarnings("unchecked")
    private static <T> void putProperty(Properties.Builder b, PropertyKey<T> key, Object value) {
        b.put(key, (T) value);
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
