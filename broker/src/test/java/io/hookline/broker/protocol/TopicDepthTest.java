package io.hookline.broker.protocol;

import static io.hookline.broker.testsupport.Clients.bytes;
import static io.hookline.broker.testsupport.RawClient.PUBACK;
import static io.hookline.broker.testsupport.RawClient.SUBACK;
import static io.hookline.broker.testsupport.RawClient.connect;
import static io.hookline.broker.testsupport.RawClient.publish;
import static io.hookline.broker.testsupport.RawClient.subscribe;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.hookline.broker.metrics.BrokerMetrics.Counter;
import io.hookline.broker.testsupport.RawClient;
import io.hookline.broker.testsupport.RawClient.Bytes;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 15 item 7: topic_max_depth defaults to 200 levels (Mosquitto's limit), so the 65,535-level
 * topics that used to be accepted are refused: a filter in its SUBACK (v5 0x8F, 3.1.1 0x80), a
 * topic name by ending the connection (v5 DISCONNECT 0x90, 3.1.1 a close), a will topic in the
 * CONNACK (v5 0x90, 3.1.1 a close).
 */
class TopicDepthTest extends WireTestBase {

    /** A topic of {@code levels} levels. */
    private static String levels(int levels) {
        return "a" + "/a".repeat(levels - 1);
    }

    @Test
    void twoHundredLevelsAreAcceptedByDefault() {
        try (RawClient c = connected(5)) {
            c.send(subscribe(5, 1, levels(200), 1));
            assertEquals(List.of(1), c.expect(SUBACK).codes());
            c.send(publish(5, "b" + levels(200).substring(1), 1, 2, bytes("x")));
            assertEquals(0x10, c.expect(PUBACK).reasonCode(), "accepted; no subscriber for it");
        }
    }

    @ParameterizedTest(name = "MQTT level {0}")
    @ValueSource(ints = {4, 5})
    void deeperFilterIsRefusedInItsSuback(int version) {
        try (RawClient c = connected(version)) {
            c.send(subscribe(version, 1, List.of(levels(201), "ok/#"), List.of(1, 1)));
            assertEquals(
                    List.of(version == 5 ? 0x8F : 0x80, 1), c.expect(SUBACK).codes());
        }
        assertCounted(Counter.LIMIT_TOPIC_DEPTH, 1);
    }

    @ParameterizedTest(name = "MQTT level {0}")
    @ValueSource(ints = {4, 5})
    void topicOf65535LevelsEndsTheConnection(int version) {
        assertRefused(version, publish(version, "/".repeat(65_534), 0, 0, bytes("x")), 0x90, Counter.LIMIT_TOPIC_DEPTH);
    }

    @ParameterizedTest(name = "MQTT level {0}")
    @ValueSource(ints = {4, 5})
    void deeperWillTopicIsRefused(int version) {
        Bytes payload = new Bytes().str("deep-will");
        if (version == 5) {
            payload.props(new Bytes());
        }
        payload.str(levels(201)).bin(bytes("bye"));
        assertConnectRefused(
                version, connect(version, 0x06, 60, new Bytes(), payload), 0x90, Counter.LIMIT_TOPIC_DEPTH);
    }
}
