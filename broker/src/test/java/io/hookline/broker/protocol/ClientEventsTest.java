package io.hookline.broker.protocol;

import static io.hookline.broker.testsupport.Clients.text;
import static io.hookline.broker.testsupport.Clients.v3;
import static io.hookline.broker.testsupport.Clients.v5Builder;
import static io.hookline.broker.testsupport.Clients.v5Connected;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.exceptions.Mqtt3ConnAckException;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.hookline.broker.config.ConfigException;
import io.hookline.broker.testsupport.Receive;
import io.hookline.broker.testsupport.TestBroker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code events.enabled}: client events as JSON on {@code $SYS/events/<event>/<client id>},
 * read by a real subscriber; none by default; a bad event name stops the start naming it.
 */
class ClientEventsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private TestBroker broker;

    @AfterEach
    void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    private static JsonNode event(Mqtt5BlockingClient.Mqtt5Publishes publishes, String topic) throws Exception {
        Mqtt5Publish p = Receive.next(publishes);
        assertEquals(topic, p.getTopic().toString());
        assertTrue(!p.isRetain());
        return JSON.readTree(text(p.getPayloadAsBytes()));
    }

    @Test
    void connectSubscribeUnsubscribeTakeoverAndDisconnectAreTold() throws Exception {
        broker =
                TestBroker.start("events.enabled", "connected,disconnected,subscribed,unsubscribed,session_taken_over");
        Mqtt5BlockingClient watcher = v5Connected(broker, "watcher");
        try (var events = watcher.publishes(MqttGlobalPublishFilter.ALL)) {
            watcher.subscribeWith()
                    .topicFilter("$SYS/events/+/sensor-1")
                    .qos(MqttQos.AT_MOST_ONCE)
                    .send();

            Mqtt5BlockingClient sensor = v5Builder(broker, "sensor-1")
                    .simpleAuth()
                    .username("u1")
                    .applySimpleAuth()
                    .buildBlocking();
            sensor.connectWith().keepAlive(42).send();
            JsonNode c = event(events, "$SYS/events/connected/sensor-1");
            assertEquals("connected", c.path("event").asText());
            assertEquals("sensor-1", c.path("client_id").asText());
            assertEquals("u1", c.path("username").asText());
            assertEquals("127.0.0.1", c.path("peer_host").asText());
            assertTrue(c.path("peer_port").asInt() > 0);
            assertEquals("5", c.path("protocol").asText());
            assertEquals(42, c.path("keep_alive").asInt());
            assertEquals("tcp.default", c.path("listener").asText());

            sensor.subscribeWith()
                    .topicFilter("cmd/#")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .send();
            JsonNode s = event(events, "$SYS/events/subscribed/sensor-1");
            assertEquals("cmd/#", s.path("topics").get(0).path("topic").asText());
            assertEquals(1, s.path("topics").get(0).path("qos").asInt());
            sensor.unsubscribeWith().topicFilter("cmd/#").send();
            assertEquals(
                    "cmd/#",
                    event(events, "$SYS/events/unsubscribed/sensor-1")
                            .path("topics")
                            .get(0)
                            .asText());

            Mqtt5BlockingClient second = v5Connected(broker, "sensor-1"); // takes the session over
            // the old connection's close runs on its own event loop: these three come in any order
            java.util.Map<String, JsonNode> byTopic = new java.util.HashMap<>();
            for (int i = 0; i < 3; i++) {
                Mqtt5Publish p = Receive.next(events);
                byTopic.put(p.getTopic().toString(), JSON.readTree(text(p.getPayloadAsBytes())));
            }
            assertEquals(
                    java.util.Set.of(
                            "$SYS/events/session_taken_over/sensor-1",
                            "$SYS/events/connected/sensor-1",
                            "$SYS/events/disconnected/sensor-1"),
                    byTopic.keySet());
            assertEquals(
                    "session taken over by a new connection (0x8e)",
                    byTopic.get("$SYS/events/disconnected/sensor-1")
                            .path("reason")
                            .asText());
            second.disconnect();
            assertEquals(
                    "client sent DISCONNECT",
                    event(events, "$SYS/events/disconnected/sensor-1")
                            .path("reason")
                            .asText());
        } finally {
            watcher.disconnect();
        }
    }

    @Test
    void refusedLoginsAreToldAsAuthFailed() throws Exception {
        broker = TestBroker.start(
                "events.enabled",
                "auth_failed",
                "allow_anonymous",
                "off",
                "listener.tcp.open",
                "127.0.0.1:0",
                "listener.tcp.open.allow_anonymous",
                "on");
        Mqtt5BlockingClient watcher = v5Builder(broker, "watcher")
                .serverPort(broker.port("tcp", "open"))
                .buildBlocking();
        watcher.connect();
        try (var events = watcher.publishes(MqttGlobalPublishFilter.ALL)) {
            watcher.subscribeWith().topicFilter("$SYS/events/#").send();
            assertThrows(
                    Mqtt3ConnAckException.class,
                    () -> v3(broker, "intruder").toBlocking().connect());
            JsonNode e = event(events, "$SYS/events/auth_failed/intruder");
            assertEquals(5, e.path("reason_code").asInt()); // 3.1.1: not authorized
            assertEquals("intruder", e.path("client_id").asText());
        } finally {
            watcher.disconnect();
        }
    }

    @Test
    void connectsDisconnectsWithTheirReasonAndRefusedLoginsAreLoggedAtInfo() throws Exception {
        ch.qos.logback.classic.Logger logger =
                (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("io.hookline.broker.clients");
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> appender =
                new ch.qos.logback.core.read.ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        ch.qos.logback.classic.Level level = logger.getLevel();
        logger.setLevel(ch.qos.logback.classic.Level.INFO); // the test config keeps it quiet
        try {
            broker = TestBroker.start(
                    "allow_anonymous",
                    "off",
                    "listener.tcp.open",
                    "127.0.0.1:0",
                    "listener.tcp.open.allow_anonymous",
                    "on");
            Mqtt5BlockingClient c = v5Builder(broker, "logged")
                    .serverPort(broker.port("tcp", "open"))
                    .buildBlocking();
            c.connectWith().keepAlive(20).send();
            c.disconnect();
            java.util.function.Supplier<java.util.List<String>> info = () -> appender.list.stream()
                    .filter(e -> e.getLevel() == ch.qos.logback.classic.Level.INFO)
                    .map(ch.qos.logback.classic.spi.ILoggingEvent::getFormattedMessage)
                    .toList();
            // the client's disconnect() returns before the broker has logged it: wait, so the
            // refused login below cannot be logged first
            org.awaitility.Awaitility.await()
                    .atMost(java.time.Duration.ofSeconds(10))
                    .until(() -> info.get().size() >= 2);
            assertThrows(
                    Mqtt3ConnAckException.class,
                    () -> v3(broker, "stranger").toBlocking().connect());
            org.awaitility.Awaitility.await()
                    .atMost(java.time.Duration.ofSeconds(5))
                    .until(() -> info.get().size() >= 3);
            java.util.List<String> lines = info.get();
            assertTrue(
                    lines.get(0)
                            .matches("client 'logged' connected from 127\\.0\\.0\\.1:[0-9]+ \\(user none,"
                                    + " MQTT 5, keep alive 20s, listener tcp\\.open\\)"),
                    lines.toString());
            assertEquals("client 'logged' disconnected: client sent DISCONNECT", lines.get(1));
            assertTrue(
                    lines.get(2)
                            .matches("CONNECT from 127\\.0\\.0\\.1:[0-9]+ \\(client id 'stranger', user none\\)"
                                    + " refused \\(0x5\\): .*"),
                    lines.toString());
        } finally {
            logger.setLevel(level);
            logger.detachAppender(appender);
        }
    }

    @Test
    void nothingIsPublishedByDefault() throws Exception {
        broker = TestBroker.start();
        Mqtt5BlockingClient watcher = v5Connected(broker, "watcher");
        try (var events = watcher.publishes(MqttGlobalPublishFilter.ALL)) {
            watcher.subscribeWith().topicFilter("$SYS/events/#").send();
            v5Connected(broker, "quiet").disconnect();
            Receive.nothing(events);
        } finally {
            watcher.disconnect();
        }
    }

    @Test
    void anUnknownEventNameStopsTheStart() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class, () -> TestBroker.start("events.enabled", "connected,exploded"));
        assertTrue(e.getCause() instanceof ConfigException, e.toString());
        assertTrue(e.getMessage().contains("events.enabled"), e.getMessage());
        assertTrue(e.getMessage().contains("exploded"), e.getMessage());
    }
}
