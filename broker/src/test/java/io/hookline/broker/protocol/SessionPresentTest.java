package io.hookline.broker.protocol;

import static io.hookline.broker.testsupport.Clients.bytes;
import static io.hookline.broker.testsupport.RawClient.PUBACK;
import static io.hookline.broker.testsupport.RawClient.SUBACK;
import static io.hookline.broker.testsupport.RawClient.publish;
import static io.hookline.broker.testsupport.RawClient.subscribe;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hookline.broker.testsupport.RawClient;
import io.hookline.broker.testsupport.RawClient.Connect;
import io.hookline.broker.testsupport.RawClient.Packet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 15 item 2: a session that ends with its connection (3.1.1 clean session, v5 expiry 0)
 * is never presented to the next connection, whether that one takes it over while it is
 * connected or follows right after its socket closed; and MQTT 3.1 CONNACKs carry no session
 * present flag at all. Whether subscriptions were inherited is read from a v5 publisher's
 * PUBACK: 0x10 means no subscriber matched.
 */
class SessionPresentTest extends WireTestBase {

    private static final int NO_MATCHING_SUBSCRIBERS = 0x10;

    /** A clean connection of {@code version} with id "shared-id" subscribed to sp/#. */
    private RawClient cleanSubscriber(int version) {
        RawClient c = RawClient.connected(broker, version, "shared-id");
        c.send(subscribe(version, 1, "sp/#", 1));
        c.expect(SUBACK);
        return c;
    }

    private Connect persistent(int version) {
        Connect connect = new Connect(version, "shared-id").cleanStart(false);
        return version == 5 ? connect.sessionExpiry(300) : connect;
    }

    /** The code a v5 publisher's QoS 1 PUBLISH to sp/x is acknowledged with. */
    private int publishToSp() {
        try (RawClient publisher = RawClient.connected(broker, 5, "sp-publisher")) {
            publisher.send(publish(5, "sp/x", 1, 9, bytes("hello")));
            return publisher.expect(PUBACK).reasonCode();
        }
    }

    @ParameterizedTest(name = "MQTT level {0}")
    @ValueSource(ints = {4, 5})
    void persistentConnectTakingOverACleanSessionStartsEmpty(int version) {
        try (RawClient clean = cleanSubscriber(version);
                RawClient next = RawClient.open(broker, version)) {
            next.send(persistent(version).toBytes());
            Packet connack = next.expectConnack(0);
            assertFalse(connack.sessionPresent(), "the taken-over session was clean: nothing to present");
            clean.expectRefusal(0x8E);
            assertEquals(NO_MATCHING_SUBSCRIBERS, publishToSp(), "no subscription inherited");
        }
    }

    @ParameterizedTest(name = "MQTT level {0}")
    @ValueSource(ints = {4, 5})
    void persistentConnectRightAfterACleanOneClosedStartsEmpty(int version) {
        cleanSubscriber(version).abort();
        try (RawClient next = RawClient.open(broker, version)) {
            next.send(persistent(version).toBytes());
            assertFalse(next.expectConnack(0).sessionPresent());
            assertEquals(NO_MATCHING_SUBSCRIBERS, publishToSp());
        }
    }

    /** The fix must not cost a real persistent session its resumption. */
    @ParameterizedTest(name = "MQTT level {0}")
    @ValueSource(ints = {4, 5})
    void persistentSessionIsStillPresentedOnTakeover(int version) {
        try (RawClient first = RawClient.connected(broker, persistent(version))) {
            first.send(subscribe(version, 1, "sp/#", 1));
            first.expect(SUBACK);
            try (RawClient next = RawClient.open(broker, version)) {
                next.send(persistent(version).toBytes());
                assertTrue(next.expectConnack(0).sessionPresent());
                assertEquals(0, publishToSp(), "the subscription came along");
            }
        }
    }

    /** MQTT 3.1 (MQIsdp, level 3): the CONNACK's first byte is reserved and must be 0. */
    @Test
    void mqtt31ConnackNeverSaysSessionPresent() {
        Connect connect = new Connect(3, "old-client").cleanStart(false);
        RawClient.connected(broker, connect).close();
        try (RawClient again = RawClient.open(broker, 3)) {
            again.send(connect.toBytes());
            Packet connack = again.expectConnack(0);
            assertEquals(0, connack.body()[0], "3.1 has no session present flag");
        }
    }
}
