package io.hookline.broker.http;

import static io.hookline.broker.testsupport.Clients.v3Connected;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.hookline.broker.testsupport.TestBroker;
import io.hookline.broker.testsupport.TestHttpServer;
import io.hookline.broker.transport.MqttListener;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class HealthHandlerTest {
    private TestBroker broker;
    private TestHttpServer http;

    @BeforeEach
    void start() {
        broker = TestBroker.start("listener.tcp.second", "127.0.0.1:0");
        HealthHandler health = new HealthHandler(broker.broker());
        http = TestHttpServer.start(Map.of("/health", health, "/health/ping", health));
    }

    @AfterEach
    void stop() {
        http.close();
        broker.close();
    }

    @Test
    void okWhileEveryListenerAcceptsConnections() throws Exception {
        v3Connected(broker, "health-client").disconnect();
        HttpResponse<String> r = Http.get(http.uri("/health"));
        assertEquals(200, r.statusCode());
        assertEquals("{\"status\":\"OK\"}", r.body());
        assertEquals(
                "application/json; charset=utf-8",
                r.headers().firstValue("content-type").orElseThrow());
    }

    @Test
    void downWith503NamingTheListenerThatStopped() throws Exception {
        MqttListener second = broker.broker().listeners().stream()
                .filter(l -> l.name().equals("second"))
                .findFirst()
                .orElseThrow();
        second.close();
        HttpResponse<String> r = Http.get(http.uri("/health"));
        assertEquals(503, r.statusCode());
        assertEquals(
                "{\"status\":\"DOWN\",\"reasons\":[\"listener tcp.second is not accepting connections\"]}", r.body());
        // the other listener still serves clients: the answer names only the one that is down
        v3Connected(broker, "still-served").disconnect();
    }

    @Test
    void downWhenTheBrokerStopped() throws Exception {
        broker.close();
        HttpResponse<String> r = Http.get(http.uri("/health"));
        assertEquals(503, r.statusCode());
        assertEquals("{\"status\":\"DOWN\",\"reasons\":[\"no MQTT listener is running\"]}", r.body());
    }

    @Test
    void pingAnswersPongEvenWhenAListenerIsDown() throws Exception {
        broker.broker().listeners().forEach(MqttListener::close);
        HttpResponse<String> r = Http.get(http.uri("/health/ping"));
        assertEquals(200, r.statusCode());
        assertEquals("pong", r.body());
    }

    @Test
    void headAnswersTheStatusWithoutABody() throws Exception {
        HttpResponse<String> r = Http.head(http.uri("/health"));
        assertEquals(200, r.statusCode());
        assertEquals("", r.body());
    }

    @Test
    void postIsRefusedWith405() throws Exception {
        HttpResponse<String> r = Http.post(http.uri("/health"));
        assertEquals(405, r.statusCode());
        assertEquals("GET, HEAD", r.headers().firstValue("allow").orElseThrow());
    }
}
