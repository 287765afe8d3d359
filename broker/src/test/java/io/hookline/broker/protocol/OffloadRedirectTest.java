package io.hookline.broker.protocol;

import static io.hookline.broker.testsupport.Clients.v3Connected;
import static io.hookline.broker.testsupport.Clients.v5Builder;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.datatypes.MqttUtf8String;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5DisconnectException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode;
import io.hookline.broker.testsupport.TestBroker;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The protocol side of cluster offloading, on one broker whose offload decision the test sets
 * (the cluster's figure is {@code ClusterOpsProcessTest}'s): a new MQTT 5 client gets CONNACK
 * 0x9C with the Server Reference, a 3.1.1 client and a client with a session here are served,
 * and a connected MQTT 5 client is sent elsewhere with DISCONNECT 0x9C.
 */
class OffloadRedirectTest {

    private TestBroker broker;

    @BeforeEach
    void start() {
        broker = TestBroker.start();
    }

    @AfterEach
    void stop() {
        broker.close();
    }

    @Test
    void newMqtt5ClientIsSentToTheOtherServerWithConnack0x9C() {
        broker.broker().context().offload(() -> "node-b.example:1883");
        Mqtt5BlockingClient client = v5Builder(broker, "offloaded").buildBlocking();
        Mqtt5ConnAckException e = assertThrows(Mqtt5ConnAckException.class, client::connect);
        Mqtt5ConnAck connack = e.getMqttMessage();
        assertEquals(Mqtt5ConnAckReasonCode.USE_ANOTHER_SERVER, connack.getReasonCode());
        assertEquals(
                "node-b.example:1883",
                connack.getServerReference().map(MqttUtf8String::toString).orElseThrow());
        assertTrue(connack.getReasonString().map(Object::toString).orElse("").contains("use another server"));
        assertEquals(0, broker.broker().sessions().size(), "no session made for a redirected client");
    }

    @Test
    void mqtt311ClientsAndClientsWithASessionHereAreServedHere() {
        Mqtt5BlockingClient persistent = v5Builder(broker, "has-session").buildBlocking();
        persistent.connectWith().cleanStart(false).sessionExpiryInterval(600).send();
        persistent.disconnect();
        broker.broker().context().offload(() -> "node-b.example:1883");

        Mqtt3BlockingClient old = v3Connected(broker, "old-client");
        assertTrue(old.getState().isConnected(), "3.1.1 has no redirect: served here");
        Mqtt5ConnAck back = persistent
                .connectWith()
                .cleanStart(false)
                .sessionExpiryInterval(600)
                .send();
        assertEquals(Mqtt5ConnAckReasonCode.SUCCESS, back.getReasonCode());
        assertTrue(back.isSessionPresent(), "its state is here: it stays");
        old.disconnect();
        persistent.disconnect();

        broker.broker().context().offload(() -> null);
        Mqtt5BlockingClient served = v5Builder(broker, "not-offloaded").buildBlocking();
        assertEquals(Mqtt5ConnAckReasonCode.SUCCESS, served.connect().getReasonCode(), "null: serve here");
        served.disconnect();
    }

    @Test
    void connectedMqtt5ClientIsRedirectedWithDisconnect0x9C() throws Exception {
        CompletableFuture<Throwable> cut = new CompletableFuture<>();
        Mqtt5BlockingClient client = v5Builder(broker, "moved")
                .addDisconnectedListener(ctx -> cut.complete(ctx.getCause()))
                .buildBlocking();
        client.connect();
        assertTrue(broker.broker().redirect("", "moved", "node-c.example:1884").get(10, TimeUnit.SECONDS));
        Mqtt5DisconnectException d = assertInstanceOf(Mqtt5DisconnectException.class, cut.get(10, TimeUnit.SECONDS));
        assertEquals(
                Mqtt5DisconnectReasonCode.USE_ANOTHER_SERVER, d.getMqttMessage().getReasonCode());
        assertEquals(
                "node-c.example:1884",
                d.getMqttMessage()
                        .getServerReference()
                        .map(MqttUtf8String::toString)
                        .orElseThrow());
        assertFalse(
                broker.broker().redirect("", "nobody", "node-c.example:1884").get(10, TimeUnit.SECONDS));
    }
}
