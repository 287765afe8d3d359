package io.hookline.broker.transport;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt3.exceptions.Mqtt3ConnAckException;
import com.hivemq.client.mqtt.mqtt3.message.connect.connack.Mqtt3ConnAckReturnCode;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import io.hookline.broker.metrics.BrokerMetrics.Counter;
import io.hookline.broker.testsupport.Clients;
import io.hookline.broker.testsupport.TestBroker;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Per-listener max_connections, allowed_protocol_versions and allow_anonymous. */
class ListenerLimitsTest {

    private TestBroker broker;

    @AfterEach
    void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    private Mqtt5BlockingClient v5(String listener, String id) {
        return MqttClient.builder()
                .useMqttVersion5()
                .identifier(id)
                .serverHost("127.0.0.1")
                .serverPort(broker.port("tcp", listener))
                .buildBlocking();
    }

    private Mqtt3BlockingClient v3(String listener, String id) {
        return MqttClient.builder()
                .useMqttVersion3()
                .identifier(id)
                .serverHost("127.0.0.1")
                .serverPort(broker.port("tcp", listener))
                .buildBlocking();
    }

    /** The listener accepts the client: it connects, then disconnects. */
    private static void assertConnects(Mqtt5BlockingClient c) {
        c.connect();
        c.disconnect();
    }

    private static void assertConnects(Mqtt3BlockingClient c) {
        c.connect();
        c.disconnect();
    }

    @Test
    void maxConnectionsClosesSurplusConnectionsOfThatListenerOnly() {
        broker = TestBroker.start("listener.tcp.small", "127.0.0.1:0", "listener.tcp.small.max_connections", "1");
        Mqtt5BlockingClient first = v5("small", "first");
        first.connect();
        assertThrows(RuntimeException.class, () -> v5("small", "second").connect());
        assertEquals(1, broker.broker().metrics().get(Counter.LIMIT_MAX_CONNECTIONS));
        Clients.v5Connected(broker, "elsewhere").disconnect(); // the default listener has no such limit

        first.disconnect();
        MqttListener small = broker.broker().listeners().stream()
                .filter(l -> l.name().equals("small"))
                .findFirst()
                .orElseThrow();
        await().atMost(Duration.ofSeconds(5)).until(() -> small.openConnections() == 0);
        assertConnects(v5("small", "third"));
    }

    @Test
    void protocolLevelsNotAllowedOnAListenerAreRefused() {
        broker = TestBroker.start(
                "listener.tcp.v5only",
                "127.0.0.1:0",
                "listener.tcp.v5only.allowed_protocol_versions",
                "5",
                "listener.tcp.v3only",
                "127.0.0.1:0",
                "listener.tcp.v3only.allowed_protocol_versions",
                "3,4");
        Mqtt3ConnAckException v3refused = assertThrows(
                Mqtt3ConnAckException.class, () -> v3("v5only", "old").connect());
        assertEquals(
                Mqtt3ConnAckReturnCode.UNSUPPORTED_PROTOCOL_VERSION,
                v3refused.getMqttMessage().getReturnCode());
        Mqtt5ConnAckException v5refused = assertThrows(
                Mqtt5ConnAckException.class, () -> v5("v3only", "new").connect());
        assertEquals(
                Mqtt5ConnAckReasonCode.UNSUPPORTED_PROTOCOL_VERSION,
                v5refused.getMqttMessage().getReasonCode());

        assertConnects(v5("v5only", "new"));
        assertConnects(v3("v3only", "old"));
    }

    @Test
    void allowAnonymousCanBeOverriddenPerListener() {
        broker = TestBroker.start(
                "allow_anonymous",
                "off",
                "listener.tcp.open",
                "127.0.0.1:0",
                "listener.tcp.open.allow_anonymous",
                "on");
        assertConnects(v5("open", "guest"));
        Mqtt5ConnAckException refused = assertThrows(
                Mqtt5ConnAckException.class, () -> v5("default", "guest2").connect());
        assertEquals(
                Mqtt5ConnAckReasonCode.NOT_AUTHORIZED, refused.getMqttMessage().getReasonCode());
    }
}
