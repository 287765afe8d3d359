package io.hookline.broker.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.hookline.broker.testsupport.AdminHttp;
import io.hookline.broker.testsupport.AdminHttp.Answer;
import io.hookline.broker.testsupport.TestBroker;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** API keys: the first key, scopes, 401/403, the open paths and putting them behind a key. */
class ApiKeyTest {
    @TempDir
    Path dataDir;

    @Test
    void firstStartWritesAPrivateAdminKeyAndTheKeysFileHoldsNoKey() throws Exception {
        try (TestBroker broker =
                TestBroker.start("listener.http.default", "127.0.0.1:0", "data_dir", dataDir.toString())) {
            String key = AdminHttp.adminKey(dataDir);
            assertEquals(
                    "rw-------",
                    PosixFilePermissions.toString(Files.getPosixFilePermissions(dataDir.resolve("admin.key"))));
            assertFalse(Files.readString(dataDir.resolve("api_keys")).contains(key), "only the hash is stored");
            assertEquals(
                    200,
                    new AdminHttp(broker.httpPort(), key)
                            .get("/api/v1/api-key/show")
                            .status());
        }
        String first = AdminHttp.adminKey(dataDir);
        try (TestBroker again =
                TestBroker.start("listener.http.default", "127.0.0.1:0", "data_dir", dataDir.toString())) {
            assertEquals(first, AdminHttp.adminKey(dataDir), "a key exists: no new one");
            assertEquals(
                    200,
                    new AdminHttp(again.httpPort(), first)
                            .get("/api/v1/listener/show")
                            .status());
        }
    }

    @Test
    void missingOrWrongKeyIs401WithChallengeAndAKeyWithoutTheScopeIs403() {
        try (TestBroker broker = TestBroker.start(
                "listener.http.default",
                "127.0.0.1:0",
                "data_dir",
                dataDir.toString(),
                "http.metrics.require_key",
                "on")) {
            AdminHttp admin = new AdminHttp(broker.httpPort(), AdminHttp.adminKey(dataDir));
            Answer none = admin.withKey(null).get("/api/v1/session/show");
            assertEquals(401, none.status());
            assertEquals("missing API key: send it as header x-api-key or as the basic-auth user name", none.error());
            assertEquals(
                    "Basic realm=\"hookline\"",
                    none.response().headers().firstValue("www-authenticate").orElse(null));
            Answer wrong = admin.withKey("not-a-key").get("/api/v1/session/show");
            assertEquals(401, wrong.status());
            assertEquals("unknown API key", wrong.error());

            Answer created = admin.post("/api/v1/api-key/create?scope=metrics");
            assertEquals(200, created.status(), created.body());
            String metricsKey = created.json().path("table").get(0).path("key").asText();
            assertEquals(
                    "metrics",
                    created.json().path("table").get(0).path("scopes").asText());
            Answer forbidden = admin.withKey(metricsKey).get("/api/v1/session/show");
            assertEquals(403, forbidden.status());
            assertEquals("this API key lacks the 'mgmt' scope", forbidden.error());

            // /metrics is behind a key here, /health and /status are not
            assertEquals(401, admin.withKey(null).get("/metrics").status());
            String statusKey = admin.post("/api/v1/api-key/create?scope=status")
                    .json()
                    .path("table")
                    .get(0)
                    .path("key")
                    .asText();
            Answer wrongScope = admin.withKey(statusKey).get("/metrics");
            assertEquals(403, wrongScope.status());
            assertEquals("this API key lacks the 'metrics' scope", wrongScope.error());
            Answer scraped = admin.withKey(metricsKey).get("/metrics");
            assertEquals(200, scraped.status());
            assertTrue(scraped.body().contains("hookline_connections"), scraped.body());
            assertEquals(200, admin.withKey(null).get("/health").status());
            assertEquals("pong", admin.withKey(null).get("/health/ping").body().strip());
            assertEquals(200, admin.withKey(null).get("/status").status());
            assertEquals(200, admin.withKey(null).get("/status/data").status());

            // the key as basic-auth user name
            String basic =
                    "Basic " + Base64.getEncoder().encodeToString((admin.key() + ":").getBytes(StandardCharsets.UTF_8));
            Answer viaBasic = admin.withKey(null)
                    .send(HttpRequest.newBuilder(URI.create(admin.base() + "/api/v1/listener/show"))
                            .header("authorization", basic)
                            .build());
            assertEquals(200, viaBasic.status());

            Answer badScope = admin.post("/api/v1/api-key/create?scope=mgmt,root");
            assertEquals(400, badScope.status());
            assertEquals(
                    "scope: unknown scope 'root' (known: mgmt, metrics, status, health, publish)", badScope.error());

            assertEquals(
                    3, admin.get("/api/v1/api-key/show").json().path("table").size());
            assertTrue(admin.get("/api/v1/api-key/show")
                    .json()
                    .path("table")
                    .get(0)
                    .path("key_prefix")
                    .asText()
                    .endsWith("..."));
            assertEquals(
                    200, admin.post("/api/v1/api-key/delete?key=" + metricsKey).status());
            assertEquals(401, admin.withKey(metricsKey).get("/metrics").status());
            Answer gone = admin.post("/api/v1/api-key/delete?key=" + metricsKey);
            assertEquals(404, gone.status());
            assertEquals("no API key is or starts with '" + metricsKey + "'", gone.error());
        }
    }

    @Test
    void apiKeyDeleteTakesAnUnambiguousPrefixAsApiKeyShowPrintsIt() throws Exception {
        String admin = "test-admin-key";
        java.nio.file.Files.write(
                dataDir.resolve("api_keys"),
                java.util.List.of(
                        sha256(admin) + " test-a mgmt 2026-01-01T00:00:00Z",
                        sha256("first") + " abcdef metrics 2026-01-01T00:00:00Z",
                        sha256("second") + " abcd12 metrics,publish 2026-01-01T00:00:00Z gateway"));
        try (TestBroker broker =
                TestBroker.start("listener.http.default", "127.0.0.1:0", "data_dir", dataDir.toString())) {
            AdminHttp api = new AdminHttp(broker.httpPort(), admin);
            JsonNode shown = api.get("/api/v1/api-key/show").json().path("table");
            assertEquals("api-test-a", shown.get(0).path("client_id").asText()); // the default publisher name
            assertEquals("gateway", shown.get(2).path("client_id").asText());
            Answer ambiguous = api.post("/api/v1/api-key/delete?key=abcd");
            assertEquals(400, ambiguous.status());
            assertEquals("key: prefix 'abcd' matches 2 keys: give more characters or the whole key", ambiguous.error());
            Answer tooShort = api.post("/api/v1/api-key/delete?key=ab");
            assertEquals(400, tooShort.status());
            assertEquals(
                    "key: 'ab' is too short: give the key or at least 4 characters of the prefix api-key show"
                            + " prints",
                    tooShort.error());
            Answer unknown = api.post("/api/v1/api-key/delete?key=ffff");
            assertEquals(404, unknown.status());
            assertEquals("no API key is or starts with 'ffff'", unknown.error());

            Answer byPrefix = api.post("/api/v1/api-key/delete?key=abcd12...");
            assertEquals(200, byPrefix.status(), byPrefix.body());
            assertEquals(
                    "API key abcd12... deleted", byPrefix.json().path("text").asText());
            assertEquals(200, api.post("/api/v1/api-key/delete?key=abcd").status()); // unambiguous now
            assertEquals(1, api.get("/api/v1/api-key/show").json().path("table").size());
        }
    }

    private static String sha256(String key) throws Exception {
        return java.util.HexFormat.of()
                .formatHex(java.security.MessageDigest.getInstance("SHA-256")
                        .digest(key.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void aTakenPortFailsTheStartNamingTheListener() throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(
                    IllegalStateException.class,
                    () -> TestBroker.start(
                            "listener.http.admin",
                            "127.0.0.1:" + taken.getLocalPort(),
                            "data_dir",
                            dataDir.toString()));
            assertTrue(
                    e.getMessage()
                            .contains("listener.http.admin = 127.0.0.1:" + taken.getLocalPort() + ": cannot listen"),
                    e.getMessage());
        }
    }
}
