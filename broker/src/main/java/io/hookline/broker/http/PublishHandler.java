package io.hookline.broker.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.hookline.api.command.CommandSpec;
import io.hookline.api.command.ParamType;
import io.hookline.api.mqtt.Topics;
import io.hookline.broker.admin.ApiKeys;
import io.hookline.broker.protocol.ApiPublisher;
import io.hookline.broker.protocol.ApiPublisher.Outcome;
import io.hookline.broker.routing.PublishProperties;
import io.hookline.broker.routing.UserProperty;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.Methods;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Deque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /api/v1/publish} and {@code POST /api/v1/clients/{client_id}/messages}: publish over
 * HTTP with a key that has the {@code publish} scope. The body is the payload as raw bytes, with
 * topic, qos, retain (and client_id on /publish) in the query; or, with
 * {@code Content-Type: application/json}, an object carrying them and the payload (utf8 or
 * base64) and MQTT 5 properties. Answers 200 with what happened, 400 naming the bad field, 401/403
 * for the key, 403 when auth_on_publish refuses, 404 for an unknown client id, 413 above
 * max_message_size. Runs on Undertow worker threads (never the IO thread or a Netty loop) and
 * waits there for the hooks. Thread-safe: stateless.
 */
final class PublishHandler implements HttpHandler {
    private static final Logger LOG = LoggerFactory.getLogger(PublishHandler.class);
    /** How long a request waits for auth_on_publish (every handler has its own, shorter, timeout). */
    private static final long HOOK_WAIT_SECONDS = 60;

    private static final Set<String> QUERY = Set.of("topic", "qos", "retain", "client_id");
    private static final Set<String> FIELDS =
            Set.of("topic", "qos", "retain", "payload", "payload_encoding", "properties", "client_id");
    private static final Set<String> PROPERTIES =
            Set.of("content_type", "user_properties", "message_expiry_interval", "response_topic", "correlation_data");

    /** How {@code bin/admin publish} finds this command in {@code /api/v1/_commands}. */
    static final CommandSpec SPEC = CommandSpec.builder("publish")
            .help("publishes a message as the client the API key names (key scope publish; auth_on_publish and"
                    + " the ACL apply); with client_id=C it goes to that client only, without a subscription")
            .argument("topic", "the topic")
            .optionalArgument("payload", ParamType.STRING, "", "the payload (utf8 unless payload_encoding=base64)")
            .optionalArgument("qos", ParamType.INTEGER, "0", "0, 1 or 2")
            .optionalArgument("retain", ParamType.BOOLEAN, "false", "keep it as the topic's retained message")
            .optionalArgument("payload_encoding", ParamType.STRING, "utf8", "utf8 or base64")
            .optionalArgument("client_id", ParamType.STRING, null, "send to this client only (a direct message)")
            .changesState()
            .build();

    private final ApiPublisher publisher;
    private final ApiKeyGate gate;

    PublishHandler(ApiPublisher publisher, ApiKeyGate gate) {
        this.publisher = publisher;
        this.gate = gate;
    }

    /** A field that is wrong: answered 400 naming it. */
    private static final class BadField extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final int status;

        BadField(String field, String problem) {
            this(400, field + ": " + problem);
        }

        BadField(int status, String message) {
            super(message);
            this.status = status;
        }
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) throws Exception {
        if (exchange.isInIoThread()) {
            exchange.dispatch(this);
            return;
        }
        exchange.startBlocking();
        if (!exchange.getRequestMethod().equals(Methods.POST)) {
            exchange.getResponseHeaders().put(Headers.ALLOW, "POST");
            Json.error(exchange, 405, exchange.getRequestMethod() + " is not supported: publishing is a POST");
            return;
        }
        ApiKeys.Entry key = gate.admit(exchange, ApiKeys.Scope.PUBLISH);
        if (key == null) {
            return;
        }
        String toClient = null;
        if (exchange.getRequestPath().startsWith("/api/v1/clients")) {
            toClient = clientOfPath(exchange.getRelativePath());
            if (toClient == null) {
                Json.error(
                        exchange,
                        404,
                        "unknown path " + exchange.getRequestPath()
                                + ": messages to a client go to POST /api/v1/clients/{client_id}/messages");
                return;
            }
        }
        try {
            ApiPublisher.Request request = request(exchange, key.clientId(), toClient);
            Outcome outcome = publisher.publish(request).toCompletableFuture().get(HOOK_WAIT_SECONDS, TimeUnit.SECONDS);
            answer(exchange, request, outcome);
        } catch (BadField e) {
            Json.error(exchange, e.status, e.getMessage());
        } catch (TimeoutException e) {
            Json.error(
                    exchange,
                    503,
                    "auth_on_publish did not answer within " + HOOK_WAIT_SECONDS + "s: nothing was published");
        } catch (ExecutionException e) {
            LOG.error("HTTP publish failed", e.getCause());
            Json.error(exchange, 500, "publish failed: " + e.getCause());
        }
    }

    /** {@code /{client_id}/messages} below /api/v1/clients, or null. */
    private static String clientOfPath(String relative) {
        String[] parts = relative.split("/", -1);
        if (parts.length != 3 || !parts[0].isEmpty() || parts[1].isEmpty() || !parts[2].equals("messages")) {
            return null;
        }
        return parts[1];
    }

    private ApiPublisher.Request request(HttpServerExchange exchange, String as, String toClient) throws IOException {
        int max = publisher.settings().maxMessageSize();
        String type = exchange.getRequestHeaders().getFirst(Headers.CONTENT_TYPE);
        boolean json = type != null && type.toLowerCase(java.util.Locale.ROOT).startsWith("application/json");
        // a JSON body may hold base64 (4/3 of the payload) and properties
        long limit = json ? (long) max * 4 / 3 + 64 * 1024 : max;
        long declared = exchange.getRequestContentLength();
        if (declared > limit) {
            throw tooLarge(declared, max);
        }
        byte[] body = exchange.getInputStream().readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limit + 1));
        if (body.length > limit) {
            throw new BadField(413, "payload over max_message_size (" + max + " bytes): nothing was published");
        }
        ApiPublisher.Request r =
                json ? fromJson(exchange, body, as, toClient) : fromQuery(exchange, body, as, toClient);
        if (r.payload().length > max) {
            throw tooLarge(r.payload().length, max);
        }
        return r;
    }

    private static BadField tooLarge(long size, int max) {
        return new BadField(
                413,
                "payload of " + size + " bytes is over max_message_size (" + max + " bytes): nothing was published");
    }

    private ApiPublisher.Request fromQuery(HttpServerExchange exchange, byte[] body, String as, String toClient) {
        Map<String, String> q = new LinkedHashMap<>();
        for (Map.Entry<String, Deque<String>> e : exchange.getQueryParameters().entrySet()) {
            if (!QUERY.contains(e.getKey()) || toClient != null && e.getKey().equals("client_id")) {
                throw new BadField(
                        e.getKey(),
                        "unknown query parameter (known: topic, qos, retain"
                                + (toClient == null ? ", client_id)" : ")"));
            }
            if (e.getValue().size() > 1) {
                throw new BadField(e.getKey(), "given more than once");
            }
            q.put(e.getKey(), e.getValue().isEmpty() ? "" : e.getValue().getFirst());
        }
        String target = toClient != null ? toClient : clientId(q.get("client_id"));
        return build(
                as, q.get("topic"), qos(q.get("qos")), retain(q.get("retain")), body, PublishProperties.NONE, target);
    }

    private ApiPublisher.Request fromJson(HttpServerExchange exchange, byte[] body, String as, String toClient) {
        if (!exchange.getQueryParameters().isEmpty()) {
            throw new BadField(
                    exchange.getQueryParameters().keySet().iterator().next(),
                    "query parameters are not taken with a JSON body: put every field in the body");
        }
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(body);
        } catch (IOException e) {
            throw new BadField(
                    400,
                    "malformed JSON body: "
                            + (e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage()));
        }
        if (root == null || !root.isObject()) {
            throw new BadField(400, "malformed JSON body: expected an object with topic, qos, retain, payload, ...");
        }
        Iterator<String> names = root.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            if (!FIELDS.contains(name) || toClient != null && name.equals("client_id")) {
                throw new BadField(
                        name,
                        "unknown field (known: topic, qos, retain, payload, payload_encoding," + " properties"
                                + (toClient == null ? ", client_id)" : ")"));
            }
        }
        boolean base64 = switch (text(root, "payload_encoding", "utf8")) {
            case "utf8" -> false;
            case "base64" -> true;
            default ->
                throw new BadField(
                        "payload_encoding",
                        "'" + root.path("payload_encoding").asText() + "' is neither utf8 nor base64");
        };
        byte[] payload = bytes("payload", text(root, "payload", ""), base64);
        JsonNode qos = root.get("qos");
        JsonNode retain = root.get("retain");
        String target =
                toClient != null ? toClient : clientId(root.has("client_id") ? text(root, "client_id", null) : null);
        return build(
                as,
                text(root, "topic", null),
                qos == null || qos.isNull() ? 0 : qos(scalar("qos", qos)),
                retain == null || retain.isNull() ? false : retain(scalar("retain", retain)),
                payload,
                properties(root.get("properties"), base64),
                target);
    }

    private ApiPublisher.Request build(
            String as,
            String topic,
            int qos,
            boolean retain,
            byte[] payload,
            PublishProperties properties,
            String toClient) {
        String problem = publisher.topicProblem(topic);
        if (problem != null) {
            throw new BadField("topic", problem);
        }
        if (qos > publisher.settings().maxQos()) {
            throw new BadField(
                    "qos", qos + " is above max_qos (" + publisher.settings().maxQos() + ")");
        }
        if (retain && !publisher.settings().retainAvailable()) {
            throw new BadField("retain", "retained messages are not available (retain_available = off)");
        }
        if (retain && toClient != null) {
            throw new BadField("retain", "a message to one client is never retained");
        }
        return new ApiPublisher.Request(as, topic, qos, retain, payload, properties, toClient);
    }

    private static String clientId(String value) {
        if (value != null && value.isEmpty()) {
            throw new BadField("client_id", "empty: name the client to send to, or leave client_id out");
        }
        return value;
    }

    private static int qos(String text) {
        if (text == null || text.isEmpty()) {
            return 0;
        }
        return switch (text) {
            case "0" -> 0;
            case "1" -> 1;
            case "2" -> 2;
            default -> throw new BadField("qos", "'" + text + "' is not 0, 1 or 2");
        };
    }

    private static boolean retain(String text) {
        if (text == null || text.isEmpty()) {
            return false;
        }
        return switch (text) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new BadField("retain", "'" + text + "' is neither true nor false");
        };
    }

    /** A number, boolean or string field as its text (bin/admin sends every value as a string). */
    private static String scalar(String field, JsonNode v) {
        if (!v.isValueNode()) {
            throw new BadField(field, "expected a number, boolean or string");
        }
        return v.asText();
    }

    private static String text(JsonNode parent, String field, String otherwise) {
        JsonNode v = parent.get(field);
        if (v == null || v.isNull()) {
            return otherwise;
        }
        if (!v.isTextual()) {
            throw new BadField(field, "expected a string");
        }
        return v.asText();
    }

    private static byte[] bytes(String field, String text, boolean base64) {
        if (!base64) {
            return text.getBytes(StandardCharsets.UTF_8);
        }
        try {
            return Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            throw new BadField(field, "not base64: " + e.getMessage());
        }
    }

    private static PublishProperties properties(JsonNode p, boolean base64) {
        if (p == null || p.isNull()) {
            return PublishProperties.NONE;
        }
        if (!p.isObject()) {
            throw new BadField("properties", "expected an object");
        }
        Iterator<String> names = p.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            if (!PROPERTIES.contains(name)) {
                throw new BadField(
                        "properties." + name,
                        "unknown property (known: content_type, user_properties,"
                                + " message_expiry_interval, response_topic, correlation_data)");
            }
        }
        String contentType = text(p, "content_type", null);
        String responseTopic = text(p, "response_topic", null);
        if (responseTopic != null && (responseTopic.isEmpty() || !Topics.isValidTopicName(responseTopic))) {
            throw new BadField("properties.response_topic", "'" + responseTopic + "' is not a valid topic name");
        }
        String correlation = text(p, "correlation_data", null);
        Long expiry = null;
        JsonNode e = p.get("message_expiry_interval");
        if (e != null && !e.isNull()) {
            if (!e.isIntegralNumber() || e.asLong() < 0 || e.asLong() > 0xFFFFFFFFL) {
                throw new BadField("properties.message_expiry_interval", "expected seconds, 0 to 4294967295");
            }
            expiry = e.asLong();
        }
        List<UserProperty> user = new ArrayList<>();
        JsonNode u = p.get("user_properties");
        if (u != null && !u.isNull()) {
            if (u.isObject()) {
                u.fields().forEachRemaining(f -> {
                    if (!f.getValue().isTextual()) {
                        throw new BadField("properties.user_properties." + f.getKey(), "expected a string");
                    }
                    user.add(new UserProperty(f.getKey(), f.getValue().asText()));
                });
            } else if (u.isArray()) {
                for (JsonNode pair : u) {
                    if (!pair.isObject()
                            || !pair.path("key").isTextual()
                            || !pair.path("value").isTextual()) {
                        throw new BadField(
                                "properties.user_properties",
                                "expected {\"key\": \"...\", \"value\": \"...\"}" + " items");
                    }
                    user.add(new UserProperty(
                            pair.get("key").asText(), pair.get("value").asText()));
                }
            } else {
                throw new BadField(
                        "properties.user_properties",
                        "expected an object of names to strings, or an" + " array of {key, value}");
            }
        }
        return new PublishProperties(
                null,
                expiry,
                contentType,
                responseTopic,
                correlation == null ? null : bytes("properties.correlation_data", correlation, base64),
                List.copyOf(user));
    }

    private static void answer(HttpServerExchange exchange, ApiPublisher.Request r, Outcome outcome) {
        Map<String, Object> body = new LinkedHashMap<>();
        if (outcome instanceof Outcome.Refused refused) {
            Json.error(
                    exchange,
                    403,
                    "auth_on_publish refused the message to '" + r.topic() + "' (as client '" + r.as() + "'): "
                            + refused.reason());
            return;
        }
        if (outcome instanceof Outcome.UnknownClient unknown) {
            Json.error(exchange, 404, "no session of client '" + unknown.clientId() + "': nothing was sent");
            return;
        }
        body.put("type", "text");
        if (outcome instanceof Outcome.Published p) {
            body.put(
                    "text",
                    "published to '" + p.topic() + "' (QoS " + r.qos() + (r.retain() ? ", retained" : "") + "): "
                            + p.matched() + " matching subscriber" + (p.matched() == 1 ? "" : "s"));
            body.put("topic", p.topic());
            body.put("matched", p.matched());
        } else if (outcome instanceof Outcome.Delivered d) {
            body.put(
                    "text",
                    (d.online() ? "sent to online client '" : "queued for offline client '") + d.clientId() + "' on '"
                            + d.topic() + "' (QoS " + r.qos() + ")");
            body.put("client_id", d.clientId());
            body.put("topic", d.topic());
            body.put("online", d.online());
        }
        body.put("qos", r.qos());
        body.put("retain", r.retain());
        Json.send(exchange, 200, body);
    }
}
