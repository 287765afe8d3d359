package io.hookline.broker.protocol;

import static io.hookline.broker.testsupport.Clients.bytes;
import static io.hookline.broker.testsupport.Clients.v5Connected;
import static io.hookline.broker.testsupport.RawClient.PUBACK;
import static io.hookline.broker.testsupport.RawClient.PUBCOMP;
import static io.hookline.broker.testsupport.RawClient.PUBLISH;
import static io.hookline.broker.testsupport.RawClient.PUBREC;
import static io.hookline.broker.testsupport.RawClient.PUBREL;
import static io.hookline.broker.testsupport.RawClient.SUBACK;
import static io.hookline.broker.testsupport.RawClient.ack;
import static io.hookline.broker.testsupport.RawClient.connect;
import static io.hookline.broker.testsupport.RawClient.publish;
import static io.hookline.broker.testsupport.RawClient.subscribe;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.hookline.broker.testsupport.RawClient;
import io.hookline.broker.testsupport.RawClient.Bytes;
import io.hookline.broker.testsupport.RawClient.Packet;
import io.hookline.broker.testsupport.TestBroker;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** QoS 1/2 state on the wire across reconnects, packet by packet; and MQTT 3.1 end to end. */
class QosFlowTest {

    private static final Duration QUIET = Duration.ofMillis(300);

    private TestBroker broker;

    @BeforeEach
    void start() {
        broker = TestBroker.start();
    }

    @AfterEach
    void stop() {
        broker.close();
    }

    /** Connects with clean start/session 0 (v5: session expiry 300 s) and returns the client with its CONNACK. */
    private RawClient persistent(int version, String clientId, boolean expectSessionPresent) {
        RawClient c = RawClient.open(broker, version);
        Bytes props = version == 5 ? new Bytes().u8(0x11).u32(300) : new Bytes();
        c.send(connect(version, clientId, 0x00, 60, props));
        Packet connack = c.expectConnack(0);
        // MQTT 3.1 has no session present flag: its CONNACK says 0 whatever the session
        assertEquals(expectSessionPresent && version != 3, connack.sessionPresent(), "session present");
        return c;
    }

    private static Mqtt5BlockingClient publishVia(Mqtt5BlockingClient pub, String topic, int qos, String payload) {
        pub.publishWith()
                .topic(topic)
                .qos(MqttQos.fromCode(qos))
                .payload(bytes(payload))
                .send();
        return pub;
    }

    // ---- outbound --------------------------------------------------------------------------

    @ParameterizedTest(name = "MQTT level {0}")
    @ValueSource(ints = {3, 4, 5})
    void unacknowledgedQos1IsResentWithDupAndTheSamePacketIdAfterReconnect(int version) {
        int packetId;
        try (RawClient sub = persistent(version, "sub", false)) {
            sub.send(subscribe(version, 1, "q1", 1));
            sub.expect(SUBACK);
            Mqtt5BlockingClient pub = v5Connected(broker, "pub");
            publishVia(pub, "q1", 1, "once more").disconnect();
            Packet first = sub.expect(PUBLISH);
            assertFalse(first.dup());
            assertEquals(1, first.qos());
            packetId = first.packetId();
        } // closed without PUBACK
        try (RawClient sub = persistent(version, "sub", true)) {
            Packet again = sub.expect(PUBLISH);
            assertTrue(again.dup(), "DUP on redelivery");
            assertEquals(packetId, again.packetId());
            assertEquals("once more", again.payloadText());
            sub.send(ack(PUBACK, packetId));
            sub.assertNoPacket(QUIET);
        }
        try (RawClient sub = persistent(version, "sub", true)) {
            sub.assertNoPacket(QUIET); // acknowledged: not sent a third time
        }
    }

    @Test
    void retryIntervalResendsUnacknowledgedPublishAndPubrelToAConnected311Client() {
        broker.close();
        broker = TestBroker.start("retry_interval", "200ms");
        try (RawClient sub = RawClient.connected(broker, 4, "sub")) {
            sub.send(subscribe(4, 1, "r1", 1));
            sub.send(subscribe(4, 2, "r2", 2));
            sub.expect(SUBACK);
            sub.expect(SUBACK);
            Mqtt5BlockingClient pub = v5Connected(broker, "pub");
            publishVia(pub, "r1", 1, "again");
            Packet first = sub.expect(PUBLISH);
            assertFalse(first.dup());
            Packet resent = sub.expect(PUBLISH); // no PUBACK: resent after retry_interval
            assertTrue(resent.dup(), "DUP on the resend");
            assertEquals(first.packetId(), resent.packetId());
            sub.send(ack(PUBACK, first.packetId()));
            publishVia(pub, "r2", 2, "twice").disconnect();
            Packet q2 = sub.expect(PUBLISH);
            sub.send(ack(PUBREC, q2.packetId()));
            assertEquals(q2.packetId(), sub.expect(PUBREL).packetId());
            assertEquals(q2.packetId(), sub.expect(PUBREL).packetId(), "PUBREL resent without PUBCOMP");
            sub.send(ack(PUBCOMP, q2.packetId()));
            sub.assertNoPacket(Duration.ofMillis(600)); // all acknowledged: nothing more
        }
    }

    @ParameterizedTest(name = "MQTT level {0}")
    @ValueSource(ints = {4, 5})
    void afterPubrecAReconnectResendsPubrelNotPublish(int version) {
        int packetId;
        try (RawClient sub = persistent(version, "sub", false)) {
            sub.send(subscribe(version, 1, "q2", 2));
            sub.expect(SUBACK);
            Mqtt5BlockingClient pub = v5Connected(broker, "pub");
            publishVia(pub, "q2", 2, "exactly once").disconnect();
            Packet p = sub.expect(PUBLISH);
            assertEquals(2, p.qos());
            packetId = p.packetId();
            sub.send(ack(PUBREC, packetId));
            Packet pubrel = sub.expect(PUBREL);
            assertEquals(0x02, pubrel.flags(), "PUBREL flags");
            assertEquals(packetId, pubrel.packetId());
        } // closed without PUBCOMP
        try (RawClient sub = persistent(version, "sub", true)) {
            Packet pubrel = sub.expect(PUBREL);
            assertEquals(packetId, pubrel.packetId());
            sub.send(ack(PUBCOMP, packetId));
            sub.assertNoPacket(QUIET);
        }
    }

    @Test
    void pubrecWithAnErrorCodeEndsTheFlowWithoutPubrel() {
        try (RawClient sub = RawClient.connected(broker, 5, "sub")) {
            sub.send(subscribe(5, 1, "q2", 2));
            sub.expect(SUBACK);
            Mqtt5BlockingClient pub = v5Connected(broker, "pub");
            publishVia(pub, "q2", 2, "refused");
            int id = sub.expect(PUBLISH).packetId();
            sub.send(new Bytes().u16(id).u8(0x80).packet(PUBREC << 4)); // Unspecified error
            sub.assertNoPacket(QUIET);
            publishVia(pub, "q2", 2, "next").disconnect();
            assertEquals("next", sub.expect(PUBLISH).payloadText());
        }
    }

    // ---- inbound ---------------------------------------------------------------------------

    @ParameterizedTest(name = "MQTT level {0}")
    @ValueSource(ints = {4, 5})
    void inboundQos2ResentAfterReconnectIsDeliveredExactlyOnce(int version) {
        try (RawClient sub = RawClient.connected(broker, 5, "sub")) {
            sub.send(subscribe(5, 1, "in2", 2));
            sub.expect(SUBACK);
            try (RawClient pub = persistent(version, "pub", false)) {
                pub.send(publish(version, "in2", 2, 5, bytes("only once")));
                assertEquals(5, pub.expect(PUBREC).packetId());
            } // closed before PUBREL
            try (RawClient pub = persistent(version, "pub", true)) {
                pub.send(publish(version, 0x08 | 0x04, "in2", 5, new Bytes(), bytes("only once"))); // DUP, QoS 2
                assertEquals(5, pub.expect(PUBREC).packetId());
                pub.send(ack(PUBREL, 5));
                Packet pubcomp = pub.expect(PUBCOMP);
                assertEquals(5, pubcomp.packetId());
                assertEquals(0, pubcomp.reasonCode());
            }
            Packet p = sub.expect(PUBLISH);
            assertEquals("only once", p.payloadText());
            sub.send(ack(PUBREC, p.packetId()));
            sub.expect(PUBREL);
            sub.send(ack(PUBCOMP, p.packetId()));
            sub.assertNoPacket(QUIET);
        }
    }

    @ParameterizedTest(name = "MQTT level {0}")
    @ValueSource(ints = {4, 5})
    void pubrelForAnUnknownPacketIdIsCompleted(int version) {
        try (RawClient c = RawClient.connected(broker, version, "stray")) {
            c.send(ack(PUBREL, 42));
            Packet pubcomp = c.expect(PUBCOMP);
            assertEquals(42, pubcomp.packetId());
            if (version == 5) {
                assertEquals(0x92, pubcomp.reasonCode(), "Packet Identifier not found");
            } else {
                assertEquals(2, pubcomp.body().length, "3.1.1 PUBCOMP has no reason code");
            }
        }
    }

    // ---- takeover --------------------------------------------------------------------------

    @ParameterizedTest(name = "MQTT level {0}")
    @ValueSource(ints = {4, 5})
    void sameClientIdTakesTheSessionOverAndTheOldConnectionIsClosed(int version) {
        try (RawClient old = persistent(version, "twin", false)) {
            old.send(subscribe(version, 1, "twin/t", 1));
            old.expect(SUBACK);
            try (RawClient fresh = persistent(version, "twin", true)) {
                if (version == 5) {
                    old.expectDisconnect(0x8E);
                } else {
                    old.assertClosed();
                }
                Mqtt5BlockingClient pub = v5Connected(broker, "pub");
                publishVia(pub, "twin/t", 1, "to the new one").disconnect();
                assertEquals("to the new one", fresh.expect(PUBLISH).payloadText());
            }
        }
    }

    // ---- properties ----------------------------------------------------------------------

    @Test
    void userPropertiesAreForwardedEvenWhenTheyAreThePublishsOnlyProperties() {
        try (RawClient sub = RawClient.connected(broker, 5, "sub");
                RawClient pub = RawClient.connected(broker, 5, "pub")) {
            sub.send(subscribe(5, 1, "up", 0));
            sub.expect(SUBACK);
            pub.send(publish(5, 0, "up", 0, new Bytes().u8(0x26).str("k").str("v"), bytes("x")));
            Packet p = sub.expect(PUBLISH);
            assertEquals("x", p.payloadText());
            assertEquals("k=v", p.properties().get(0x26));
        }
    }

    @Test
    void pubrecForAnUnknownPacketIdGetsPubrel0x92ForMqtt5() {
        try (RawClient c = RawClient.connected(broker, 5, "stray")) {
            c.send(ack(PUBREC, 43));
            Packet pubrel = c.expect(PUBREL);
            assertEquals(43, pubrel.packetId());
            assertEquals(0x92, pubrel.reasonCode(), "Packet Identifier not found");
        }
    }

    // ---- MQTT 3.1 --------------------------------------------------------------------------

    @Test
    void mqtt31ConnectPublishAndSubscribeWorkAtEveryQos() {
        try (RawClient sub = RawClient.connected(broker, 3, "sub31");
                RawClient pub = RawClient.connected(broker, 3, "pub31")) {
            sub.send(subscribe(3, 1, "v31/+", 2));
            assertEquals(java.util.List.of(2), sub.expect(SUBACK).codes());
            pub.send(publish(3, "v31/a", 0, 0, bytes("q0")));
            pub.send(publish(3, "v31/a", 1, 11, bytes("q1")));
            assertEquals(11, pub.expect(PUBACK).packetId());
            pub.send(publish(3, "v31/a", 2, 12, bytes("q2")));
            assertEquals(12, pub.expect(PUBREC).packetId());
            pub.send(ack(PUBREL, 12));
            assertEquals(12, pub.expect(PUBCOMP).packetId());
            for (int qos = 0; qos <= 2; qos++) {
                Packet p = sub.expect(PUBLISH);
                assertEquals("q" + qos, p.payloadText());
                assertEquals("v31/a", p.topic());
                assertEquals(qos, p.qos());
                if (qos == 1) {
                    sub.send(ack(PUBACK, p.packetId()));
                } else if (qos == 2) {
                    sub.send(ack(PUBREC, p.packetId()));
                    sub.expect(PUBREL);
                    sub.send(ack(PUBCOMP, p.packetId()));
                }
            }
            sub.assertNoPacket(QUIET);
        }
    }

    @Test
    void pahoWithMqtt31ReceivesWhatItPublishes() throws Exception {
        MqttClient paho = new MqttClient("tcp://127.0.0.1:" + broker.port(), "paho31", new MemoryPersistence());
        BlockingQueue<String> received = new LinkedBlockingQueue<>();
        paho.setCallback(new MqttCallback() {
            @Override
            public void connectionLost(Throwable cause) {}

            @Override
            public void messageArrived(String topic, MqttMessage message) {
                String payload = new String(message.getPayload(), StandardCharsets.UTF_8);
                received.add(topic + " " + payload + " " + message.getQos());
            }

            @Override
            public void deliveryComplete(IMqttDeliveryToken token) {}
        });
        MqttConnectOptions options = new MqttConnectOptions();
        options.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1);
        options.setCleanSession(true);
        paho.connect(options);
        try {
            paho.subscribe("paho/#", 2);
            for (int qos = 0; qos <= 2; qos++) {
                paho.publish("paho/" + qos, bytes("hi"), qos, false);
            }
            for (int qos = 0; qos <= 2; qos++) {
                String line = received.poll(5, TimeUnit.SECONDS);
                assertNotNull(line, "message at QoS " + qos);
                assertEquals("paho/" + qos + " hi " + qos, line);
            }
            assertEquals(1, broker.broker().sessions().size(), "one MQTT 3.1 session");
            assertEquals(3, broker.broker().sessions().get("paho31").protocolVersion());
        } finally {
            paho.disconnect();
            paho.close();
        }
    }
}
