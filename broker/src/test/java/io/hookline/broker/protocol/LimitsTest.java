package io.hookline.broker.protocol;

import static io.hookline.broker.testsupport.Clients.bytes;
import static io.hookline.broker.testsupport.Clients.v5Connected;
import static io.hookline.broker.testsupport.RawClient.PUBACK;
import static io.hookline.broker.testsupport.RawClient.PUBLISH;
import static io.hookline.broker.testsupport.RawClient.PUBREC;
import static io.hookline.broker.testsupport.RawClient.SUBACK;
import static io.hookline.broker.testsupport.RawClient.ack;
import static io.hookline.broker.testsupport.RawClient.connect;
import static io.hookline.broker.testsupport.RawClient.publish;
import static io.hookline.broker.testsupport.RawClient.subscribe;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.hookline.broker.metrics.BrokerMetrics.Counter;
import io.hookline.broker.testsupport.RawClient;
import io.hookline.broker.testsupport.RawClient.Bytes;
import io.hookline.broker.testsupport.RawClient.Packet;
import io.hookline.broker.testsupport.TestBroker;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every configured limit and feature switch, seen on the wire: the reason code, the CONNACK property, the counter. */
class LimitsTest {

    private static long counted(TestBroker broker, Counter counter) {
        return broker.broker().metrics().get(counter);
    }

    private static void assertCounted(TestBroker broker, Counter counter, long expected) {
        await().atMost(Duration.ofSeconds(5)).until(() -> counted(broker, counter) >= expected);
        assertEquals(expected, counted(broker, counter), counter.name());
    }

    /**
     * Connects with a keep alive of {@code keepAlive} seconds and stays silent: the broker closes
     * the connection (MQTT 5: DISCONNECT 0x8D) 1.5 s later, as for a keep alive of 1 s. Checked
     * from below only (a loaded machine may close it late); callers check the keep-alive counter,
     * which says why it closed, and the wait is far below the 90 s of an uncapped keep alive of 60.
     */
    private static void assertSilentClientClosedAfterOneAndAHalfSeconds(
            TestBroker broker, int version, String clientId, int keepAlive) {
        try (RawClient c = RawClient.open(broker, version)) {
            long start = System.nanoTime();
            c.send(connect(version, clientId, 0x02, keepAlive, new Bytes()));
            c.expectConnack(0);
            c.setReadTimeout(Duration.ofSeconds(30));
            if (version == 5) {
                c.expectDisconnect(0x8D);
            } else {
                c.assertClosed();
            }
            assertClosedAfter(start, 1400);
        }
    }

    /**
     * The connection closed no earlier than {@code minMillis} after {@code startNanos}. No upper
     * bound: a busy machine may be late; the counters the callers check say the timer closed it.
     */
    private static void assertClosedAfter(long startNanos, long minMillis) {
        long elapsedMillis = (System.nanoTime() - startNanos) / 1_000_000;
        assertTrue(elapsedMillis >= minMillis, "closed after " + elapsedMillis + " ms");
    }

    /** A raw MQTT 5 client connected with CONNECT {@code properties} and subscribed to {@code filter}. */
    private static RawClient subscribed(TestBroker broker, String clientId, Bytes properties, String filter, int qos) {
        RawClient c = RawClient.open(broker, 5);
        try {
            c.send(connect(5, clientId, 0x02, 60, properties));
            c.expectConnack(0);
            c.send(subscribe(5, 1, filter, qos));
            c.expect(SUBACK);
            return c;
        } catch (RuntimeException | AssertionError e) {
            c.close();
            throw e;
        }
    }

    /** Publishes {@code payloads} in order from a HiveMQ client; each publish completes its QoS flow with the broker. */
    private static void publishFromClient(TestBroker broker, String topic, MqttQos qos, byte[]... payloads) {
        Mqtt5BlockingClient pub = v5Connected(broker, "pub");
        try {
            for (byte[] payload : payloads) {
                pub.publishWith().topic(topic).qos(qos).payload(payload).send();
            }
        } finally {
            pub.disconnect();
        }
    }

    /** Payloads "m0", "m1", ... */
    private static byte[][] numbered(int count) {
        byte[][] out = new byte[count][];
        for (int i = 0; i < count; i++) {
            out[i] = bytes("m" + i);
        }
        return out;
    }

    /** A v5 SUBSCRIBE with a property block. */
    private static byte[] subscribe5(int packetId, Bytes properties, String filter, int options) {
        return new Bytes()
                .u16(packetId)
                .props(properties)
                .str(filter)
                .u8(options)
                .packet(0x82);
    }

    // ---- CONNECT limits --------------------------------------------------------------------

    @ParameterizedTest(name = "MQTT level {0}")
    @ValueSource(ints = {3, 4, 5})
    void clientIdLongerThanMaxClientIdSizeIsRejected(int version) {
        try (TestBroker broker = TestBroker.start("max_client_id_size", "10")) {
            try (RawClient c = RawClient.open(broker, version)) {
                c.send(connect(version, "a".repeat(11)));
                c.expectConnack(version == 5 ? 0x85 : 0x02);
                c.assertClosed();
            }
            try (RawClient c = RawClient.connected(broker, version, "a".repeat(10))) {
                c.send(RawClient.disconnect());
            }
            assertCounted(broker, Counter.LIMIT_CLIENT_ID_SIZE, 1);
        }
    }

    @ParameterizedTest(name = "MQTT level {0}")
    @ValueSource(ints = {4, 5})
    void connectionsAboveListenerMaxConnectionsAreRefused(int version) {
        try (TestBroker broker = TestBroker.start("listener.max_connections", "2");
                RawClient first = RawClient.connected(broker, version, "one");
                RawClient second = RawClient.connected(broker, version, "two")) {
            try (RawClient third = RawClient.open(broker, version)) {
                third.send(connect(version, "three"));
                third.expectConnack(version == 5 ? 0x97 : 0x03);
                third.assertClosed();
            }
            assertCounted(broker, Counter.LIMIT_MAX_CONNECTIONS, 1);

            first.send(RawClient.disconnect());
            first.assertClosed();
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> broker.broker().metrics().connections().get() == 1);
            try (RawClient again = RawClient.connected(broker, version, "three")) {
                again.send(RawClient.pingreq());
                again.expect(RawClient.PINGRESP);
            }
        }
    }

    @Test
    void keepAliveAboveMaxKeepaliveIsAnsweredWithServerKeepAlive() {
        try (TestBroker broker = TestBroker.start("max_keepalive", "30")) {
            for (int asked : new int[] {60, 0}) {
                try (RawClient c = RawClient.open(broker, 5)) {
                    c.send(connect(5, "ka" + asked, 0x02, asked, new Bytes()));
                    Packet connack = c.expectConnack(0);
                    assertEquals(30, connack.properties().get(0x13), "Server Keep Alive for " + asked);
                }
            }
            try (RawClient c = RawClient.open(broker, 5)) {
                c.send(connect(5, "ka10", 0x02, 10, new Bytes()));
                assertFalse(c.expectConnack(0).properties().containsKey(0x13), "10 s is within the limit");
            }
            assertCounted(broker, Counter.LIMIT_KEEPALIVE_CAPPED, 2);
        }
    }

    /** The cap is enforced too: 1.5 × max_keepalive of silence closes the connection, whatever was asked. */
    @ParameterizedTest(name = "MQTT level {0}")
    @ValueSource(ints = {4, 5})
    void keepAliveIsEnforcedAtTheCappedValue(int version) {
        try (TestBroker broker = TestBroker.start("max_keepalive", "1")) {
            assertSilentClientClosedAfterOneAndAHalfSeconds(broker, version, "capped", 60);
            assertCounted(broker, Counter.LIMIT_KEEPALIVE_CAPPED, 1);
            assertCounted(broker, Counter.KEEPALIVE_TIMEOUTS, 1);
        }
    }

    @Test
    void clientReceiveMaximumBoundsWhatTheBrokerSendsUnacknowledged() {
        try (TestBroker broker = TestBroker.start();
                RawClient sub = subscribed(broker, "rm2", new Bytes().u8(0x21).u16(2), "rm", 2)) {
            publishFromClient(broker, "rm", MqttQos.EXACTLY_ONCE, numbered(3));
            Packet first = sub.expect(PUBLISH);
            sub.expect(PUBLISH);
            sub.assertNoPacket(Duration.ofMillis(300));
            sub.send(ack(PUBREC, first.packetId()));
            sub.expect(RawClient.PUBREL);
            sub.assertNoPacket(Duration.ofMillis(200)); // still unacknowledged until PUBCOMP
            sub.send(ack(RawClient.PUBCOMP, first.packetId()));
            assertEquals("m2", sub.expect(PUBLISH).payloadText());
        }
    }

    @Test
    void willAboveMaxQosOrRetainedWhenRetainIsUnavailableIsRefused() {
        try (TestBroker broker = restrictedBroker()) {
            for (int[] flagsAndCode : new int[][] {{0x16, 0x9B}, {0x26, 0x9A}}) { // will QoS 2; will retain
                try (RawClient c = RawClient.open(broker, 5)) {
                    Bytes payload = new Bytes()
                            .str("willing")
                            .props(new Bytes())
                            .str("will/t")
                            .bin(bytes("bye"));
                    c.send(connect(5, flagsAndCode[0], 60, new Bytes(), payload));
                    c.expectConnack(flagsAndCode[1]);
                    c.assertClosed();
                }
            }
        }
    }

    @Test
    void authenticationMethodInConnectGetsBadAuthenticationMethod() {
        try (TestBroker broker = TestBroker.start();
                RawClient c = RawClient.open(broker, 5)) {
            c.send(connect(5, "auth", 0x02, 60, new Bytes().u8(0x15).str("SCRAM-SHA-256")));
            c.expectConnack(0x8C);
            c.assertClosed();
            assertCounted(broker, Counter.CONNECTS_REFUSED, 1);
        }
    }

    // ---- timeouts --------------------------------------------------------------------------

    @ParameterizedTest(name = "MQTT level {0}")
    @ValueSource(ints = {4, 5})
    void silentClientIsDisconnectedAfterOneAndAHalfKeepAlives(int version) {
        try (TestBroker broker = TestBroker.start()) {
            assertSilentClientClosedAfterOneAndAHalfSeconds(broker, version, "quiet", 1);
            assertCounted(broker, Counter.KEEPALIVE_TIMEOUTS, 1);
        }
    }

    @Test
    void pingsKeepAConnectionAlivePastItsKeepAlive() {
        try (TestBroker broker = TestBroker.start();
                RawClient c = RawClient.open(broker, 5)) {
            c.send(connect(5, "pinger", 0x02, 1, new Bytes()));
            c.expectConnack(0);
            long until = System.nanoTime() + 2_500_000_000L; // well past 1.5 s
            while (System.nanoTime() < until) {
                c.assertNoPacket(Duration.ofMillis(500)); // the pause between pings
                c.send(RawClient.pingreq());
                c.expect(RawClient.PINGRESP);
            }
            assertEquals(0, counted(broker, Counter.KEEPALIVE_TIMEOUTS));
        }
    }

    @Test
    void socketWithoutConnectIsClosedAfterConnectTimeout() {
        try (TestBroker broker = TestBroker.start("connect_timeout", "1s")) {
            for (byte[] sent : List.of(new byte[0], new byte[] {0x10, 0x20, 0x00})) { // nothing; half a CONNECT
                try (RawClient c = RawClient.open(broker, 4)) {
                    long start = System.nanoTime();
                    c.send(sent);
                    c.assertClosed();
                    assertClosedAfter(start, 900);
                }
            }
            assertCounted(broker, Counter.CONNECT_TIMEOUTS, 2);
        }
    }

    // ---- topics ----------------------------------------------------------------------------

    /** Issue 15 item 7: a filter too deep is refused in its SUBACK (0x8F), a topic too deep ends the connection (0x90). */
    @Test
    void topicDeeperThanTopicMaxDepthIsRefusedForMqtt5() {
        try (TestBroker broker = TestBroker.start("topic_max_depth", "3");
                RawClient c = RawClient.connected(broker, 5, "deep")) {
            c.send(publish(5, "a/b/c", 1, 2, bytes("x")));
            assertEquals(0x10, c.expect(PUBACK).reasonCode(), "3 levels pass (no subscribers)");
            c.send(subscribe(5, 3, "a/b/c/#", 1));
            assertEquals(List.of(0x8F), c.expect(SUBACK).codes());
            c.send(subscribe(5, 4, "a/+/c", 1));
            assertEquals(List.of(1), c.expect(SUBACK).codes());

            c.send(publish(5, "a/b/c/d", 1, 1, bytes("x")));
            c.expectDisconnect(0x90);
            assertCounted(broker, Counter.LIMIT_TOPIC_DEPTH, 2);
        }
    }

    @Test
    void topicDeeperThanTopicMaxDepthIsRefusedForMqtt311() {
        try (TestBroker broker = TestBroker.start("topic_max_depth", "3")) {
            try (RawClient c = RawClient.connected(broker, 4, "deep")) {
                c.send(subscribe(4, 3, "a/b/c/d", 1));
                assertEquals(List.of(0x80), c.expect(SUBACK).codes());
                c.send(publish(4, "a/b/c/d", 1, 1, bytes("x")));
                c.assertClosed(); // 3.1.1 has no negative PUBACK
            }
            assertCounted(broker, Counter.LIMIT_TOPIC_DEPTH, 2);
        }
    }

    @Test
    void inboundTopicAliasIsSetThenUsedWithAnEmptyTopic() {
        try (TestBroker broker = TestBroker.start("topic_alias_maximum", "2");
                RawClient sub = RawClient.connected(broker, 5, "sub");
                RawClient pub = RawClient.open(broker, 5)) {
            sub.send(subscribe(5, 1, "alias/#", 0));
            sub.expect(SUBACK);
            pub.send(connect(5, "pub"));
            assertEquals(2, pub.expectConnack(0).properties().get(0x22), "Topic Alias Maximum announced");

            pub.send(publish(5, 0, "alias/t", 0, new Bytes().u8(0x23).u16(2), bytes("first")));
            pub.send(publish(5, 0, "", 0, new Bytes().u8(0x23).u16(2), bytes("second")));
            pub.send(publish(5, 0, "alias/u", 0, new Bytes().u8(0x23).u16(2), bytes("third"))); // remapped
            pub.send(publish(5, 0, "", 0, new Bytes().u8(0x23).u16(2), bytes("fourth")));
            for (String[] expected : new String[][] {
                {"alias/t", "first"}, {"alias/t", "second"}, {"alias/u", "third"}, {"alias/u", "fourth"}
            }) {
                Packet p = sub.expect(PUBLISH);
                assertEquals(expected[0], p.topic());
                assertEquals(expected[1], p.payloadText());
            }
        }
    }

    @ParameterizedTest(name = "alias {0}")
    @ValueSource(ints = {0, 3})
    void topicAliasZeroOrAboveTheMaximumGetsDisconnect0x94(int alias) {
        try (TestBroker broker = TestBroker.start("topic_alias_maximum", "2");
                RawClient c = RawClient.connected(broker, 5, "alias")) {
            c.send(publish(5, 0, "t", 0, new Bytes().u8(0x23).u16(alias), bytes("x")));
            c.expectDisconnect(0x94);
            assertCounted(broker, Counter.LIMIT_TOPIC_ALIAS, 1);
        }
    }

    @Test
    void unknownTopicAliasWithAnEmptyTopicIsAProtocolError() {
        try (TestBroker broker = TestBroker.start("topic_alias_maximum", "2");
                RawClient c = RawClient.connected(broker, 5, "alias")) {
            c.send(publish(5, 0, "", 0, new Bytes().u8(0x23).u16(1), bytes("x")));
            c.expectDisconnect(0x82);
            assertCounted(broker, Counter.PROTOCOL_ERRORS, 1);
        }
    }

    // ---- flow control ----------------------------------------------------------------------

    @Test
    void clientExceedingTheBrokersReceiveMaximumGetsDisconnect0x93() {
        try (TestBroker broker = TestBroker.start("receive_maximum", "2");
                RawClient c = RawClient.open(broker, 5)) {
            c.send(connect(5, "greedy"));
            assertEquals(2, c.expectConnack(0).properties().get(0x21), "Receive Maximum announced");
            for (int id = 1; id <= 2; id++) {
                c.send(publish(5, "q2", 2, id, bytes("m" + id)));
                assertEquals(id, c.expect(PUBREC).packetId());
            }
            c.send(publish(5, "q2", 2, 3, bytes("m3"))); // no PUBREL for 1 and 2: a third is one too many
            c.expectDisconnect(0x93);
            assertCounted(broker, Counter.LIMIT_RECEIVE_MAXIMUM, 1);
        }
    }

    @Test
    void releasedQos2MessagesFreeTheReceiveMaximumAgain() {
        try (TestBroker broker = TestBroker.start("receive_maximum", "1");
                RawClient c = RawClient.connected(broker, 5, "polite")) {
            for (int id = 1; id <= 3; id++) {
                c.send(publish(5, "q2", 2, id, bytes("m" + id)));
                c.expect(PUBREC);
                c.send(ack(RawClient.PUBREL, id));
                assertEquals(id, c.expect(RawClient.PUBCOMP).packetId());
            }
            assertEquals(0, counted(broker, Counter.LIMIT_RECEIVE_MAXIMUM));
        }
    }

    @Test
    void subscriberThatNeverAcksReceivesExactlyTheInflightWindowThenTheRestAfterAcking() {
        try (TestBroker broker = TestBroker.start("max_inflight_messages", "3");
                RawClient sub = subscribed(broker, "slow", new Bytes(), "win", 1)) {
            publishFromClient(broker, "win", MqttQos.AT_LEAST_ONCE, numbered(5));
            Set<Integer> ids = new HashSet<>();
            for (int i = 0; i < 3; i++) {
                Packet p = sub.expect(PUBLISH);
                assertEquals("m" + i, p.payloadText());
                assertTrue(ids.add(p.packetId()), "distinct packet ids");
            }
            sub.assertNoPacket(Duration.ofMillis(300));

            int firstId = ids.iterator().next();
            sub.send(ack(PUBACK, firstId));
            assertEquals("m3", sub.expect(PUBLISH).payloadText());
            sub.assertNoPacket(Duration.ofMillis(200));
            for (int id : ids) {
                if (id != firstId) {
                    sub.send(ack(PUBACK, id));
                }
            }
            assertEquals("m4", sub.expect(PUBLISH).payloadText());
        }
    }

    @Test
    void messageAboveTheClientsMaximumPacketSizeIsDroppedAndCounted() {
        try (TestBroker broker = TestBroker.start();
                RawClient sub = subscribed(broker, "small", new Bytes().u8(0x27).u32(100), "mps", 1)) {
            publishFromClient(broker, "mps", MqttQos.AT_LEAST_ONCE, new byte[200], bytes("fits"));
            Packet p = sub.expect(PUBLISH);
            assertEquals("fits", p.payloadText());
            assertTrue(p.body().length + 2 <= 100);
            assertCounted(broker, Counter.DROPPED_MAX_PACKET_SIZE, 1);
        }
    }

    /** 5.0 [MQTT-3.1.2-24]/[MQTT-3.1.2-25]: nothing above the client's Maximum Packet Size; reason strings go. */
    @Test
    void disconnectLeavesOutTheReasonStringWhenItWouldExceedTheClientsMaximumPacketSize() {
        try (TestBroker broker = TestBroker.start();
                RawClient c = RawClient.open(broker, 5)) {
            c.send(connect(5, "tiny", 0x02, 60, new Bytes().u8(0x27).u32(16)));
            c.expectConnack(0);
            c.send(connect(5, "tiny")); // a protocol error, answered with DISCONNECT 0x82
            Packet disconnect = c.expectDisconnect(0x82);
            int size = disconnect.body().length + 2;
            assertTrue(size <= 16, "DISCONNECT of " + size + " bytes");
        }
    }

    @Test
    void refusingConnackLeavesOutTheReasonStringWhenItWouldExceedTheClientsMaximumPacketSize() {
        try (TestBroker broker = TestBroker.start();
                RawClient c = RawClient.open(broker, 5)) {
            c.send(connect(
                    5, "tiny", 0x02, 60, new Bytes().u8(0x27).u32(16).u8(0x15).str("SCRAM-SHA-256")));
            Packet connack = c.expectConnack(0x8C);
            assertTrue(connack.body().length + 2 <= 16, "CONNACK of " + (connack.body().length + 2) + " bytes");
            c.assertClosed();
        }
    }

    // ---- feature switches ------------------------------------------------------------------

    private static TestBroker restrictedBroker() {
        return TestBroker.start(
                "max_qos",
                "1",
                "retain_available",
                "off",
                "wildcard_subscription_available",
                "off",
                "shared_subscription_available",
                "off",
                "subscription_identifier_available",
                "off");
    }

    @Test
    void connackAnnouncesEveryFeatureThatIsOff() {
        try (TestBroker broker = restrictedBroker();
                RawClient c = RawClient.open(broker, 5)) {
            c.send(connect(5, "features"));
            Map<Integer, Object> props = c.expectConnack(0).properties();
            assertEquals(1, props.get(0x24), "Maximum QoS");
            assertEquals(0, props.get(0x25), "Retain Available");
            assertEquals(0, props.get(0x28), "Wildcard Subscription Available");
            assertEquals(0, props.get(0x29), "Subscription Identifier Available");
            assertEquals(0, props.get(0x2A), "Shared Subscription Available");
        }
    }

    @Test
    void retainedPublishWhenRetainIsUnavailableGetsDisconnect0x9A() {
        try (TestBroker broker = restrictedBroker();
                RawClient c = RawClient.connected(broker, 5, "retainer")) {
            c.send(publish(5, 0x01, "r", 0, new Bytes(), bytes("x")));
            c.expectDisconnect(0x9A);
        }
    }

    @Test
    void qos2PublishAboveMaxQosGetsDisconnect0x9B() {
        try (TestBroker broker = restrictedBroker();
                RawClient c = RawClient.connected(broker, 5, "qos2")) {
            c.send(publish(5, "q", 1, 1, bytes("ok")));
            c.expect(PUBACK);
            c.send(publish(5, "q", 2, 2, bytes("too much")));
            c.expectDisconnect(0x9B);
        }
    }

    @Test
    void subscriptionsAskingForUnavailableFeaturesGetTheirReasonCodes() {
        try (TestBroker broker = restrictedBroker();
                RawClient c = RawClient.connected(broker, 5, "features")) {
            c.send(subscribe(5, 1, "a/+", 1));
            assertEquals(List.of(0xA2), c.expect(SUBACK).codes());
            c.send(subscribe(5, 2, "$share/g/a", 1));
            assertEquals(List.of(0x9E), c.expect(SUBACK).codes());
            c.send(subscribe(5, 3, "a/b", 2));
            assertEquals(List.of(1), c.expect(SUBACK).codes(), "QoS 2 granted as the maximum QoS 1");
            c.send(subscribe5(4, new Bytes().u8(0x0B).vbi(7), "a/c", 1));
            c.expectDisconnect(0xA1);
        }
    }

    @Test
    void wildcardSubscriptionWhenUnavailableFailsForMqtt311() {
        try (TestBroker broker = restrictedBroker();
                RawClient c = RawClient.connected(broker, 4, "features")) {
            c.send(subscribe(4, 1, "a/#", 1));
            assertEquals(List.of(0x80), c.expect(SUBACK).codes());
        }
    }
}
