package io.hookline.broker.http;

import static io.hookline.broker.testsupport.Clients.bytes;
import static io.hookline.broker.testsupport.Clients.v5Connected;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.hookline.broker.testsupport.AdminHttp;
import io.hookline.broker.testsupport.TestBroker;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code trace client} streams a client's packets and hook calls while it runs, and nothing when off. */
class TraceClientTest {
    @TempDir
    Path dataDir;

    @Test
    void traceStreamsPacketsAndHookCallsOfThatClientOnly() throws Exception {
        try (TestBroker broker = TestBroker.start("listener.http.default", "127.0.0.1:0",
                "data_dir", dataDir.toString(), "plugins.example", "on")) {
            AdminHttp api = new AdminHttp(broker.httpPort(), AdminHttp.adminKey(dataDir));
            Mqtt5BlockingClient traced = v5Connected(broker, "traced");
            Mqtt5BlockingClient other = v5Connected(broker, "other");
            HttpResponse<InputStream> r = api.client().send(api.request("/api/v1/trace/client?client-id=traced")
                    .GET().build(), HttpResponse.BodyHandlers.ofInputStream());
            assertEquals(200, r.statusCode());
            List<String> lines = new CopyOnWriteArrayList<>();
            Thread reader = new Thread(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
                    for (String line = in.readLine(); line != null; line = in.readLine()) {
                        lines.add(line);
                    }
                } catch (java.io.IOException e) {
                    lines.add("closed: " + e);
                }
            });
            reader.start();
            await().atMost(Duration.ofSeconds(5)).until(() -> !lines.isEmpty());
            assertEquals("tracing client 'traced' (connected)", lines.get(0));
            await().atMost(Duration.ofSeconds(5)).until(() -> broker.broker().context().traces().traced("traced"));

            other.publishWith().topic("other/x").payload(bytes("o")).send();
            traced.publishWith().topic("t/1").qos(MqttQos.AT_LEAST_ONCE).payload(bytes("hello")).send();
            await().atMost(Duration.ofSeconds(5)).until(() -> lines.stream().anyMatch(l -> l.contains("out PUBACK")));
            assertTrue(lines.stream().anyMatch(l -> l.endsWith("in  PUBLISH topic=t/1 qos=1 packet_id=1 retain=false"
                    + " payload_bytes=5")), lines.toString());
            assertTrue(lines.stream().anyMatch(l -> l.endsWith("hook auth_on_publish_m5 answered allowed by example")),
                    lines.toString());
            assertTrue(lines.stream().noneMatch(l -> l.contains("other/x")), lines.toString());
            r.body().close();
            traced.disconnect();
            other.disconnect();
        }
    }

    @Test
    void traceOfAMissingArgumentIs400() {
        try (TestBroker broker = TestBroker.start("listener.http.default", "127.0.0.1:0",
                "data_dir", dataDir.toString())) {
            AdminHttp api = new AdminHttp(broker.httpPort(), AdminHttp.adminKey(dataDir));
            AdminHttp.Answer a = api.get("/api/v1/trace/client");
            assertEquals(400, a.status());
            assertEquals("missing argument client-id=.. (the client id)", a.error());
        }
    }
}
