package io.hookline.broker.protocol;

import static io.hookline.broker.testsupport.Clients.bytes;
import static io.hookline.broker.testsupport.Clients.text;
import static io.hookline.broker.testsupport.Clients.v5Connected;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient.Mqtt5Publishes;
import io.hookline.broker.testsupport.GatedStores;
import io.hookline.broker.testsupport.RawClient;
import io.hookline.broker.testsupport.Receive;
import io.hookline.broker.testsupport.TestBroker;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A persistent session's CONNACK waits for its record to be stored; meanwhile the connection
 * may end or misbehave. Whatever happens then, nothing goes out before the CONNACK (no v5
 * DISCONNECT without one, [MQTT-3.14.0-1]), the packets read before a malformed one are answered
 * first, and a connection gone meanwhile leaves nothing attached. The store's commits complete
 * when the test says ({@link GatedStores}), so each interleaving is reached on purpose.
 */
class ConnackWaitTest {

    private static final Duration QUIET = Duration.ofMillis(300);
    /** QoS 3 in a PUBLISH's fixed header: malformed (v5 0x81). */
    private static final byte[] QOS_3 = RawClient.publish(5, 0x06, "t", 1, new RawClient.Bytes(), bytes("x"));

    private final GatedStores stores = new GatedStores();
    private TestBroker broker;

    @AfterEach
    void stop() {
        stores.held = false;
        stores.release();
        if (broker != null) {
            broker.close();
        }
    }

    private static RawClient.Connect persistent(String clientId) {
        return new RawClient.Connect(5, clientId).cleanStart(false).sessionExpiry(600);
    }

    @Test
    void aMalformedPacketWhileTheConnackWaitsIsAnsweredAfterItAndAfterThePacketsBeforeIt() {
        broker = TestBroker.startOn(stores, null, null);
        stores.held = true;
        try (RawClient raw = RawClient.open(broker, 5)) {
            raw.send(persistent("dev").toBytes());
            raw.send(RawClient.pingreq());
            raw.send(QOS_3);
            await().atMost(Duration.ofSeconds(5)).until(() -> stores.pending() == 1); // the session's record
            raw.assertNoPacket(QUIET); // before the fix: DISCONNECT 0x81 at once, and no CONNACK ever

            stores.complete(0, null);
            raw.expectConnack(0);
            raw.expect(RawClient.PINGRESP); // read before the malformed packet: answered first
            raw.expectDisconnect(0x81);
        }
        await().atMost(Duration.ofSeconds(5))
                .until(() -> broker.broker().metrics().connections().get() == 0);
    }

    @Test
    void aSessionTakenOverWhileItsConnackWaitsIsClosedWithoutADisconnect() {
        broker = TestBroker.startOn(stores, null, null);
        stores.held = true;
        try (RawClient first = RawClient.open(broker, 5);
                RawClient second = RawClient.open(broker, 5)) {
            first.send(persistent("dev").toBytes());
            await().atMost(Duration.ofSeconds(5)).until(() -> stores.pending() == 1);
            second.send(persistent("dev").toBytes());
            // taken over before its CONNACK: closed without a word (before the fix: DISCONNECT 0x8E, no CONNACK)
            first.assertClosed();

            stores.release(); // both records stored: the first's CONNACK never goes out, the second's does
            second.expectConnack(0);
            second.send(RawClient.pingreq());
            second.expect(RawClient.PINGRESP);
            assertTrue(broker.broker().sessions().get("dev").isOnline());
        }
    }

    @Test
    void aClientGoneWhileItsConnackWaitsLeavesNothingAttachedAndItsWillIsPublished() throws Exception {
        broker = TestBroker.startOn(stores, null, null);
        Mqtt5BlockingClient watcher = v5Connected(broker, "watcher");
        try (Mqtt5Publishes wills = watcher.publishes(MqttGlobalPublishFilter.ALL)) {
            // the flow before the SUBSCRIBE: the client registers it on its own loop, and a message that
            // comes first is dropped ("No publish flow registered")
            watcher.subscribeWith().topicFilter("w/#").send();
            stores.held = true;
            try (RawClient gone = RawClient.open(broker, 5)) {
                gone.send(persistent("gone")
                        .will("w/gone", bytes("bye"), 0, false)
                        .toBytes());
                await().atMost(Duration.ofSeconds(5)).until(() -> stores.pending() == 1);
                gone.abort(); // the socket goes while the CONNACK waits for the store
            }
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> broker.broker().metrics().connections().get() == 1); // the watcher's
            assertEquals("bye", text(Receive.next(wills).getPayloadAsBytes()), "the will of a connection that ended");

            stores.release(); // the record is stored after the connection ended: nothing reattaches
            stores.held = false;
            Receive.nothing(wills); // the will once
            assertFalse(broker.broker().sessions().get("gone").isOnline(), "online after its connection ended");
            assertEquals(1, broker.broker().metrics().connections().get());
            try (RawClient again = RawClient.open(broker, 5)) {
                again.send(persistent("gone").toBytes());
                assertTrue(again.expectConnack(0).sessionPresent(), "the session outlived its first connection");
            }
        } finally {
            watcher.disconnect();
        }
    }

    @Test
    void packetsPipelinedBehindAPersistentConnectAreAppliedThoughTheSocketClosesBeforeTheConnack() throws Exception {
        broker = TestBroker.startOn(stores, null, null);
        Mqtt5BlockingClient watcher = v5Connected(broker, "watcher");
        try (Mqtt5Publishes seen = watcher.publishes(MqttGlobalPublishFilter.ALL)) {
            // the flow before the SUBSCRIBE: the client registers it on its own loop, and a message that
            // comes first is dropped ("No publish flow registered")
            watcher.subscribeWith().topicFilter("w/#").send();
            stores.held = true;
            try (RawClient pipe = RawClient.open(broker, 5)) {
                // CONNECT, SUBSCRIBE, PUBLISH and DISCONNECT in one go, then the socket closes
                pipe.send(persistent("pipe")
                        .will("w/pipe", bytes("bye"), 0, false)
                        .toBytes());
                pipe.send(RawClient.subscribe(5, 1, "news", 1));
                pipe.send(RawClient.publish(5, "w/hello", 0, 0, bytes("hello")));
                pipe.send(RawClient.disconnect());
                await().atMost(Duration.ofSeconds(5)).until(() -> stores.pending() == 1); // the session's record
                pipe.close(); // end of stream after the packets (a reset would discard them unread)
            }
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> broker.broker().metrics().connections().get() == 1); // the watcher's
            Receive.nothing(seen); // nothing applied before the record is stored

            stores.held = false;
            stores.release(); // before the fix: the three packets went with the socket, and the will was published
            assertEquals("hello", text(Receive.next(seen).getPayloadAsBytes()), "the PUBLISH was routed");
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> !broker.broker().sessions().get("pipe").isOnline());
            watcher.publishWith().topic("w/marker").payload(bytes("marker")).send();
            assertEquals("marker", text(Receive.next(seen).getPayloadAsBytes()), "no will: the client sent DISCONNECT");
        }
        // the SUBSCRIBE was applied to the persistent session
        try (RawClient again = RawClient.open(broker, 5)) {
            again.send(persistent("pipe").toBytes());
            assertTrue(again.expectConnack(0).sessionPresent());
            watcher.publishWith()
                    .topic("news")
                    .qos(com.hivemq.client.mqtt.datatypes.MqttQos.AT_LEAST_ONCE)
                    .payload(bytes("n1"))
                    .send();
            RawClient.Packet news = again.expect(RawClient.PUBLISH);
            assertEquals("news", news.topic());
            assertEquals("n1", news.payloadText());
        } finally {
            watcher.disconnect();
        }
    }
}
