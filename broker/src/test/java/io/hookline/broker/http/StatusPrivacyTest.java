package io.hookline.broker.http;

import static io.hookline.broker.testsupport.Clients.bytes;
import static io.hookline.broker.testsupport.Clients.v5Builder;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.hookline.broker.testsupport.AdminHttp;
import io.hookline.broker.testsupport.AdminHttp.Answer;
import io.hookline.broker.testsupport.TestBroker;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 16 item 10: who is connected is not shown without a key; API keys compare exactly. */
class StatusPrivacyTest {

    private static Mqtt5BlockingClient alice(TestBroker broker) {
        Mqtt5BlockingClient c = v5Builder(broker, "secret-client")
                .simpleAuth()
                .username("alice")
                .password(bytes("pw"))
                .applySimpleAuth()
                .build()
                .toBlocking();
        c.connect();
        return c;
    }

    @Test
    void withoutAKeyStatusDataGivesTheSummaryButNoClientIdsOrUserNames(@TempDir Path data) {
        try (TestBroker broker =
                TestBroker.start("listener.http.default", "127.0.0.1:0", "data_dir", data.toString())) {
            Mqtt5BlockingClient client = alice(broker);
            AdminHttp admin = new AdminHttp(broker.httpPort(), AdminHttp.adminKey(data));

            Answer anonymous = admin.withKey(null).get("/status/data?clients=10000");
            assertEquals(200, anonymous.status(), anonymous.body());
            assertFalse(anonymous.body().contains("secret-client"), anonymous.body());
            assertFalse(anonymous.body().contains("alice"), anonymous.body());
            assertEquals(1, anonymous.json().path("clients").path("online").asInt());
            assertTrue(anonymous.json().path("clients").path("hidden").asText().contains("scope status"));
            assertTrue(anonymous.json().path("totals").path("connections").asInt() >= 1, "the summary stays");

            Answer keyed = admin.get("/status/data");
            assertEquals(200, keyed.status(), keyed.body());
            assertTrue(keyed.body().contains("\"client_id\":\"secret-client\",\"user\":\"alice\""), keyed.body());

            assertEquals(401, admin.withKey("not-a-key").get("/status/data").status());
            String metricsKey = admin.post("/api/v1/api-key/create?scope=metrics")
                    .json()
                    .path("table")
                    .get(0)
                    .path("key")
                    .asText();
            assertEquals(403, admin.withKey(metricsKey).get("/status/data").status());
            client.disconnect();
        }
    }

    @Test
    void theClientListCanBeOpenedAgainOnPurpose(@TempDir Path data) {
        try (TestBroker broker = TestBroker.start(
                "listener.http.default",
                "127.0.0.1:0",
                "data_dir",
                data.toString(),
                "http.status.clients_require_key",
                "off")) {
            Mqtt5BlockingClient client = alice(broker);
            Answer anonymous = new AdminHttp(broker.httpPort(), null).get("/status/data");
            assertTrue(anonymous.body().contains("secret-client"), anonymous.body());
            client.disconnect();
        }
    }

    @Test
    void aKeyWithATrailingSpaceIsNotTheKey(@TempDir Path data) throws Exception {
        try (TestBroker broker =
                TestBroker.start("listener.http.default", "127.0.0.1:0", "data_dir", data.toString())) {
            String key = AdminHttp.adminKey(data);
            assertEquals(200, rawGet(broker.httpPort(), "/api/v1/listener/show", "x-api-key: " + key));
            // whitespace around a header value is not part of it (RFC 9110 5.5): the value is the key itself;
            // inside the value (basic auth, a second word) nothing is trimmed or ignored
            assertEquals(401, rawGet(broker.httpPort(), "/api/v1/listener/show", "x-api-key: " + key + " x"));
            assertEquals(401, rawGet(broker.httpPort(), "/api/v1/listener/show", "x-api-key: " + key.substring(1)));
            String basic = java.util.Base64.getEncoder().encodeToString((key + " :").getBytes(StandardCharsets.UTF_8));
            assertEquals(401, rawGet(broker.httpPort(), "/api/v1/listener/show", "Authorization: Basic " + basic));
        }
    }

    /** A byte-exact HTTP/1.1 GET with one extra header line; returns the status code. */
    private static int rawGet(int port, String path, String headerLine) throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(
                    ("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + headerLine + "\r\nConnection: close\r\n\r\n")
                            .getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = s.getInputStream();
            String status = new String(in.readNBytes(12), StandardCharsets.ISO_8859_1); // "HTTP/1.1 200"
            return Integer.parseInt(status.substring(9, 12));
        }
    }
}
