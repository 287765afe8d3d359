package io.hookline.plugin.webhooks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
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
     * @return the request body of {@code hook} for {@code input}; payloads base64-encoded unless
     *     {@code base64Payload} is false (then sent as UTF-8 text)
     */
    public static ObjectNode encode(Hook<?> hook, HookInput input, boolean base64Payload) {
        ObjectNode n = JSON.createObjectNode();
        boolean m5 = hook.isMqtt5();
        Client c = input.client();
        if (input instanceof RegisterInput r) {
            n.put("peer_addr", r.peerAddr());
            n.put("peer_port", r.peerPort());
        } else if (input instanceof RegisterEvent r) {
            n.put("peer_addr", r.peerAddr());
            n.put("peer_port", r.peerPort());
        }
        n.put("client_id", c.clientId());
        n.put("mountpoint", c.mountpoint());
        n.put("username", c.username());
        if (input instanceof RegisterInput r) {
            n.put("password", r.password() == null ? null : r.password().asUtf8String());
            n.put(m5 ? "clean_start" : "clean_session", r.cleanSession());
            putProperties(n, r.properties(), m5);
        } else if (input instanceof PublishInput p) {
            putMessage(n, p.topic(), p.qos(), p.payload(), p.retain(), base64Payload);
            putProperties(n, p.properties(), m5);
        } else if (input instanceof SubscribeInput s) {
            ArrayNode topics = n.putArray("topics");
            for (TopicSubscription t : s.topics()) {
                ObjectNode o = topics.addObject();
                o.put("topic", t.topic());
                o.put("qos", t.qos());
                if (m5) {
                    o.put("no_local", t.noLocal());
                    o.put("rap", t.retainAsPublished());
                    o.put("retain_handling", t.retainHandling());
                }
            }
            putProperties(n, s.properties(), m5);
        } else if (input instanceof UnsubscribeInput u) {
            ArrayNode topics = n.putArray("topics");
            u.topics().forEach(topics::add);
            putProperties(n, u.properties(), m5);
        } else if (input instanceof RegisterEvent r) {
            putProperties(n, r.properties(), m5);
        } else if (input instanceof TopicsUnsubscribed t) {
            ArrayNode topics = n.putArray("topics");
            t.topics().forEach(topics::add);
            n.put("all_topics", t.allTopics());
        } else if (input instanceof MessageDrop d) {
            n.put("reason", d.reason());
            putMessage(n, d.topic(), d.qos(), d.payload(), d.retain(), base64Payload);
            putProperties(n, d.properties(), m5);
        } else if (input instanceof EnhancedAuthInput a) {
            Properties props = a.properties().toBuilder()
                    .put(PropertyKey.AUTHENTICATION_METHOD, a.authMethod())
                    .put(PropertyKey.AUTHENTICATION_DATA, a.authData())
                    .build();
            n.put("reauth", a.reauthentication());
            putProperties(n, props, true);
        } else if (input instanceof ConfigChange cc) {
            ObjectNode changed = n.putObject("changed");
            cc.changed().forEach(changed::put);
        } else if (!(input instanceof ClientEvent)) { // a ClientEvent is client_id, mountpoint, username
            throw new IllegalArgumentException(
                    "no wire format for " + input.getClass().getName());
        }
        return n;
    }

    private static void putMessage(ObjectNode n, String topic, int qos, Bytes payload, boolean retain, boolean base64) {
        n.put("topic", topic);
        n.put("qos", qos);
        n.put("payload", base64 ? payload.toBase64() : payload.asUtf8String());
        n.put("retain", retain);
    }

    /** m5 hooks always carry {@code properties}; the others only when there are some. */
    private static void putProperties(ObjectNode n, Properties props, boolean always) {
        if (!always && props.isEmpty()) {
            return;
        }
        ObjectNode p = n.putObject("properties");
        for (Map.Entry<PropertyKey<?>, Object> e : props.asMap().entrySet()) {
            Object v = e.getValue();
            if (v instanceof Bytes b) {
                p.put(e.getKey().name(), b.toBase64());
            } else if (v instanceof Boolean b) {
                p.put(e.getKey().name(), b);
            } else if (v instanceof Number num) {
                p.put(e.getKey().name(), num.longValue());
            } else {
                p.put(e.getKey().name(), String.valueOf(v));
            }
        }
        if (!props.userProperties().isEmpty()) {
            ArrayNode ups = p.putArray("p_user_property");
            for (UserProperty up : props.userProperties()) {
                ups.addObject().put("key", up.key()).put("val", up.value());
            }
        }
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
