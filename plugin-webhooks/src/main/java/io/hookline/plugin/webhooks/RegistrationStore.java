package io.hookline.plugin.webhooks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The runtime registrations on disk: one JSON file, rewritten whole (temp file + atomic move) on
 * every change, so a crash leaves the old or the new list, never half of one. The file may hold
 * HMAC secrets, so it is made readable by the owner only. Not thread-safe: {@link Webhooks}
 * calls it under its lock.
 */
final class RegistrationStore {
    private final Path file;

    RegistrationStore(Path file) {
        this.file = file;
    }

    Path file() {
        return file;
    }

    /**
     * @return the stored registrations, in registration order; empty when there is no file
     * @throws IOException naming the file when it cannot be read or holds a bad registration
     */
    List<WebhookSpec> load() throws IOException {
        if (!Files.exists(file)) {
            return List.of();
        }
        JsonNode root;
        try {
            root = WireFormat.JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new IOException(file + ": not a webhook registration file: " + e.getMessage(), e);
        }
        JsonNode list = root == null ? null : root.get("webhooks");
        if (list == null || !list.isArray()) {
            throw new IOException(file + ": expected {\"webhooks\":[...]}");
        }
        List<WebhookSpec> out = new ArrayList<>();
        int i = 0;
        for (JsonNode n : list) {
            try {
                out.add(fromJson(n));
            } catch (RuntimeException e) {
                throw new IOException(file + ": registration #" + (i + 1) + ": " + e.getMessage(), e);
            }
            i++;
        }
        return out;
    }

    void save(List<WebhookSpec> specs) throws IOException {
        ObjectNode root = WireFormat.JSON.createObjectNode();
        root.put("version", 1);
        ArrayNode list = root.putArray("webhooks");
        for (WebhookSpec s : specs) {
            list.add(toJson(s));
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.write(tmp, WireFormat.JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root));
        try {
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: the directory's permissions apply
        }
        try {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    static ObjectNode toJson(WebhookSpec s) {
        ObjectNode n = WireFormat.JSON.createObjectNode();
        n.put("hook", s.hook());
        n.put("endpoint", s.endpoint());
        n.put("base64payload", s.base64Payload());
        n.put("response_timeout", s.responseTimeout().toMillis());
        if (s.onError() != null) {
            n.put("on_error", s.onError().name().toLowerCase());
        }
        if (s.priority() != null) {
            n.put("priority", s.priority());
        }
        if (!s.headers().isEmpty()) {
            ObjectNode h = n.putObject("headers");
            s.headers().forEach(h::put);
        }
        if (s.secret() != null) {
            n.put("secret", s.secret());
        }
        if (!s.topicFilters().isEmpty()) {
            ArrayNode f = n.putArray("topic_filter");
            s.topicFilters().forEach(f::add);
        }
        if (s.batchMax() != null) {
            n.put("batch_max", s.batchMax());
        }
        if (s.h2c()) {
            n.put("h2c", true);
        }
        return n;
    }

    static WebhookSpec fromJson(JsonNode n) {
        if (!n.path("hook").isTextual() || !n.path("endpoint").isTextual()) {
            throw new IllegalArgumentException("hook and endpoint are required");
        }
        WebhookSpec s = WebhookSpec.of(n.get("hook").asText(), n.get("endpoint").asText())
                .withBase64Payload(n.path("base64payload").asBoolean(true));
        if (n.has("response_timeout")) {
            s = s.withResponseTimeout(
                    Duration.ofMillis(n.get("response_timeout").asLong()));
        }
        if (n.hasNonNull("on_error")) {
            s = s.withOnError(n.get("on_error").asText());
        }
        if (n.hasNonNull("priority")) {
            s = s.withPriority(n.get("priority").asInt());
        }
        if (n.path("headers").isObject()) {
            Map<String, String> h = new LinkedHashMap<>();
            Iterator<Map.Entry<String, JsonNode>> it = n.get("headers").fields();
            while (it.hasNext()) {
                var e = it.next();
                h.put(e.getKey(), e.getValue().asText());
            }
            s = s.withHeaders(h);
        }
        if (n.hasNonNull("secret")) {
            s = s.withSecret(n.get("secret").asText());
        }
        if (n.path("topic_filter").isArray()) {
            List<String> f = new ArrayList<>();
            n.get("topic_filter").forEach(x -> f.add(x.asText()));
            s = s.withTopicFilters(f);
        }
        if (n.hasNonNull("batch_max")) {
            JsonNode b = n.get("batch_max");
            if (!b.canConvertToInt() || !b.isIntegralNumber()) {
                throw new IllegalArgumentException("batch_max must be a whole number, not " + b);
            }
            s = s.withBatchMax(b.intValue());
        }
        if (n.has("h2c")) {
            if (!n.get("h2c").isBoolean()) {
                throw new IllegalArgumentException("h2c must be true or false, not " + n.get("h2c"));
            }
            s = s.withH2c(n.get("h2c").booleanValue());
        }
        return s;
    }
}
