package io.hookline.broker.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A client of a test broker's management API ({@code listener.http.default}) with the key the
 * broker wrote to {@code data_dir/admin.key}. Thread-safe (HttpClient is).
 */
public final class AdminHttp {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String base;
    private final String key;

    /** An answer: its status and its JSON body (null when the body is not JSON). */
    public record Answer(int status, JsonNode json, String body, HttpResponse<String> response) {
        public String error() {
            return json == null ? null : json.path("error").asText(null);
        }
    }

    public AdminHttp(int port, String key) {
        this.base = "http://127.0.0.1:" + port;
        this.key = key;
    }

    /** Reads the key the broker made in {@code dataDir/admin.key}. */
    public static String adminKey(Path dataDir) {
        try {
            return Files.readString(dataDir.resolve("admin.key")).strip();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String base() {
        return base;
    }

    public String key() {
        return key;
    }

    public AdminHttp withKey(String otherKey) {
        return new AdminHttp(URI.create(base).getPort(), otherKey);
    }

    public Answer get(String pathAndQuery) {
        return send(request(pathAndQuery).GET().build());
    }

    public Answer post(String pathAndQuery) {
        return send(
                request(pathAndQuery).POST(HttpRequest.BodyPublishers.noBody()).build());
    }

    public Answer postJson(String path, String json) {
        return send(request(path)
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json))
                .build());
    }

    public HttpRequest.Builder request(String pathAndQuery) {
        HttpRequest.Builder b =
                HttpRequest.newBuilder(URI.create(base + pathAndQuery)).timeout(Duration.ofSeconds(30));
        if (key != null) {
            b.header("x-api-key", key);
        }
        return b;
    }

    public HttpClient client() {
        return http;
    }

    public Answer send(HttpRequest request) {
        try {
            HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
            JsonNode json = null;
            String type = r.headers().firstValue("content-type").orElse("");
            if (type.startsWith("application/json")) {
                json = JSON.readTree(r.body());
            }
            return new Answer(r.statusCode(), json, r.body(), r);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
