package io.hookline.broker.http;

import static io.hookline.broker.testsupport.Clients.bytes;
import static io.hookline.broker.testsupport.Clients.v5Connected;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.hookline.broker.testsupport.TestBroker;
import io.hookline.broker.testsupport.TestHttpServer;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class StatusDataHandlerTest {
    private static final Pattern SAMPLE_IN = Pattern.compile("\\{\"t\":\\d+,\"in\":([0-9.]+),");

    private TestBroker broker;
    private StatusDataHandler data;
    private TestHttpServer http;

    @BeforeEach
    void start() {
        broker = TestBroker.start("plugins.example", "on");
        data = new StatusDataHandler(broker.broker(), Duration.ofMillis(200), 50);
        http = TestHttpServer.start(Map.of("/status/data", data));
    }

    @AfterEach
    void stop() {
        http.close();
        data.close();
        broker.close();
    }

    @Test
    void listsConnectedClientsHooksListenersAndRates() throws Exception {
        Mqtt5BlockingClient a = v5Connected(broker, "status-b");
        Mqtt5BlockingClient b = v5Connected(broker, "status-a\"quoted\"");
        try {
            for (int i = 0; i < 20; i++) {
                a.publishWith()
                        .topic("t")
                        .qos(MqttQos.AT_LEAST_ONCE)
                        .payload(bytes("x"))
                        .send();
            }
            String body = Http.get(http.uri("/status/data")).body();
            assertTrue(
                    body.contains(
                            "\"clients\":{\"online\":2,\"limit\":100,\"list\":[{\"client_id\":\"status-a\\\"quoted\\\"\""),
                    "sorted by client id, JSON-escaped: " + body);
            assertTrue(
                    body.contains("{\"client_id\":\"status-b\",\"user\":null,\"mountpoint\":\"\",\"protocol\":\"5.0\""),
                    body);
            assertTrue(body.contains("{\"hook\":\"auth_on_publish_m5\",\"kind\":\"AUTH\",\"calls\":20,"), body);
            assertTrue(body.contains("\"handlers\":[{\"position\":1,\"plugin\":\"example\""), body);
            assertTrue(
                    body.contains("\"listeners\":[{\"name\":\"tcp.default\",\"address\":\"127.0.0.1:" + broker.port()
                            + "\",\"up\":true,\"connections\":2}]"),
                    body);
            // every plugin on the class path is listed with its state (the test class path has several)
            assertTrue(
                    body.contains("\"plugins\":[{\"name\":\"example\",\"state\":\"enabled\",\"problem\":null}"), body);
            assertTrue(body.contains("{\"name\":\"recorder\",\"state\":\"disabled\",\"problem\":null}"), body);
            assertTrue(body.contains("\"health\":\"OK\""), body);
            // the timer samples every 200 ms: the 20 messages show as a rate above zero
            await().atMost(Duration.ofSeconds(5)).until(() -> {
                Matcher m = SAMPLE_IN.matcher(Http.get(http.uri("/status/data")).body());
                int n = 0;
                boolean moved = false;
                while (m.find()) {
                    n++;
                    moved |= Double.parseDouble(m.group(1)) > 0;
                }
                return n >= 2 && moved;
            });
        } finally {
            a.disconnect();
            b.disconnect();
        }
    }

    @Test
    void clientsLimitsTheList() throws Exception {
        Mqtt5BlockingClient a = v5Connected(broker, "limit-1");
        Mqtt5BlockingClient b = v5Connected(broker, "limit-2");
        try {
            String body = Http.get(http.uri("/status/data?clients=1")).body();
            assertTrue(
                    body.contains("\"clients\":{\"online\":2,\"limit\":1,\"list\":[{\"client_id\":\"limit-1\""), body);
            assertFalse(body.contains("limit-2"), body);
        } finally {
            a.disconnect();
            b.disconnect();
        }
    }

    @Test
    void badClientsLimitIs400NamingTheParameter() throws Exception {
        for (String bad : new String[] {"abc", "0", "10001"}) {
            HttpResponse<String> r = Http.get(http.uri("/status/data?clients=" + bad));
            assertEquals(400, r.statusCode(), bad);
            assertEquals(
                    "{\"type\":\"error\",\"error\":\"clients: expected a number from 1 to 10000, got '" + bad + "'\"}",
                    r.body());
        }
    }
}
