package io.hookline.broker.store;

import static io.hookline.broker.testsupport.Clients.bytes;
import static io.hookline.broker.testsupport.Clients.text;
import static io.hookline.broker.testsupport.Clients.v5;
import static io.hookline.broker.testsupport.Clients.v5Connected;
import static io.hookline.broker.testsupport.Receive.next;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient.Mqtt5Publishes;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import io.hookline.broker.testsupport.GatedStores;
import io.hookline.broker.testsupport.RawClient;
import io.hookline.broker.testsupport.TestBroker;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The seam a durable store plugs into, seen from a real client: an acknowledgement waits for
 * the commit of its batch (PUBACK, PUBREC, PUBCOMP, SUBACK), in the client's order; a failed
 * commit refuses the publish (v5 0x97); a durable queue carries every message of a persistent
 * session, online too. The stores here are the memory ones behind a gate the test opens.
 */
class StoreSeamTest {

    private static final Duration QUIET = Duration.ofMillis(300);

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

    @Test
    void pubackWaitsForItsBatchAndAcknowledgementsKeepTheClientsOrder() throws Exception {
        broker = TestBroker.startOn(stores, null, null);
        List<String> received = new java.util.concurrent.CopyOnWriteArrayList<>();
        v5Connected(broker, "sub")
                .toAsync()
                .subscribeWith()
                .topicFilter("t/#")
                .callback(p -> received.add(p.getTopic().toString()))
                .send()
                .get(5, TimeUnit.SECONDS);
        Mqtt5AsyncClient pub = v5Connected(broker, "pub").toAsync();
        stores.held = true;
        CompletableFuture<?> first = pub.publishWith()
                .topic("t/1")
                .qos(MqttQos.AT_LEAST_ONCE)
                .payload(bytes("1"))
                .send();
        CompletableFuture<?> second = pub.publishWith()
                .topic("t/2")
                .qos(MqttQos.AT_LEAST_ONCE)
                .payload(bytes("2"))
                .send();
        await().atMost(Duration.ofSeconds(5)).until(() -> stores.pending() == 2);
        await().during(QUIET).atMost(QUIET.multipliedBy(3)).until(() -> !first.isDone() && !second.isDone());

        stores.complete(1, null); // the second is stored first: its PUBACK still waits for the first's
        await().during(QUIET).atMost(QUIET.multipliedBy(3)).until(() -> !first.isDone() && !second.isDone());
        assertEquals(2, received.size(), "both were routed while the first waited for the store");
        stores.complete(0, null);
        first.get(5, TimeUnit.SECONDS);
        second.get(5, TimeUnit.SECONDS);
    }

    @Test
    void aFailedCommitRefusesThePublishWithQuotaExceeded() throws Exception {
        broker = TestBroker.startOn(stores, null, null);
        Mqtt5AsyncClient pub = v5Connected(broker, "pub").toAsync();
        stores.held = true;
        CompletableFuture<?> refused = pub.publishWith()
                .topic("t")
                .qos(MqttQos.AT_LEAST_ONCE)
                .payload(bytes("x"))
                .send();
        await().atMost(Duration.ofSeconds(5)).until(() -> stores.pending() == 1);
        stores.complete(0, new IOException("disk full"));
        ExecutionException e = assertThrows(ExecutionException.class, () -> refused.get(5, TimeUnit.SECONDS));
        assertEquals(
                Mqtt5PubAckReasonCode.QUOTA_EXCEEDED,
                assertInstanceOf(Mqtt5PubAckException.class, e.getCause())
                        .getMqttMessage()
                        .getReasonCode());
        stores.held = false;
        pub.publishWith()
                .topic("t")
                .qos(MqttQos.AT_LEAST_ONCE)
                .payload(bytes("y"))
                .send()
                .get(5, TimeUnit.SECONDS);
    }

    @Test
    void aFailedCommitClosesAnMqtt3Publisher() {
        broker = TestBroker.startOn(stores, null, null);
        try (RawClient raw = RawClient.connected(broker, 4, "v3")) {
            stores.held = true;
            raw.send(RawClient.publish(4, "t", 1, 1, bytes("x")));
            await().atMost(Duration.ofSeconds(5)).until(() -> stores.pending() == 1);
            stores.complete(0, new IOException("disk full"));
            raw.assertClosed(); // MQTT 3.1.1 has no way to say no but closing
        }
    }

    @Test
    void exactlyOnceWaitsForTheStoreBeforePubrecAndBeforePubcomp() {
        broker = TestBroker.startOn(stores, null, null);
        try (RawClient raw = RawClient.connected(broker, 5, "q2")) {
            stores.held = true;
            raw.send(RawClient.publish(5, "t", 2, 7, bytes("x")));
            await().atMost(Duration.ofSeconds(5)).until(() -> stores.pending() == 1);
            raw.assertNoPacket(QUIET);
            stores.complete(0, null);
            assertEquals(7, raw.expect(RawClient.PUBREC).packetId());
            raw.send(RawClient.ack(RawClient.PUBREL, 7));
            await().atMost(Duration.ofSeconds(5)).until(() -> stores.pending() == 2);
            raw.assertNoPacket(QUIET);
            stores.complete(1, null);
            assertEquals(7, raw.expect(RawClient.PUBCOMP).packetId());
        }
    }

    @Test
    void outboundExactlyOnceSendsPubrelOnlyOnceThePubrelStageIsStored() {
        broker = TestBroker.startOn(stores, null, null);
        // a persistent session: its in-flight stages are stored; a PUBREL out before its stage is
        // would, after a crash, turn into a resent PUBLISH the client takes for a new message
        try (RawClient raw = RawClient.connected(
                broker, new RawClient.Connect(5, "q2-out").cleanStart(false).sessionExpiry(600))) {
            raw.send(RawClient.subscribe(5, 1, "t", 2));
            raw.expect(RawClient.SUBACK);
            try (RawClient pub = RawClient.connected(broker, 5, "pub")) { // its exchange done before the gate
                pub.send(RawClient.publish(5, "t", 2, 3, bytes("x")));
                pub.expect(RawClient.PUBREC);
                pub.send(RawClient.ack(RawClient.PUBREL, 3));
                pub.expect(RawClient.PUBCOMP);
            }
            int id = raw.expect(RawClient.PUBLISH).packetId();
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> broker.broker().sessions().get("pub") == null);
            stores.held = true;
            raw.send(RawClient.ack(RawClient.PUBREC, id));
            await().atMost(Duration.ofSeconds(5)).until(() -> stores.pending() == 1);
            raw.assertNoPacket(QUIET);
            stores.complete(0, null);
            assertEquals(id, raw.expect(RawClient.PUBREL).packetId());
            stores.held = false;
            raw.send(RawClient.ack(RawClient.PUBCOMP, id));
        }
    }

    @Test
    void aPersistentSessionsPublishGoesOutOnlyOnceItsInFlightRecordIsStored() throws Exception {
        broker = TestBroker.startOn(stores, null, null);
        // a PUBLISH out before its in-flight record is stored would, after a crash, be sent again
        // under a new packet id: a client that delivers QoS 2 on PUBLISH takes it for a new message
        try (RawClient raw = RawClient.connected(
                broker, new RawClient.Connect(5, "in-flight").cleanStart(false).sessionExpiry(600))) {
            raw.send(RawClient.subscribe(5, 1, "t", 2));
            raw.expect(RawClient.SUBACK);
            Mqtt5AsyncClient pub = v5Connected(broker, "pub").toAsync();
            stores.held = true;
            CompletableFuture<?> published = pub.publishWith()
                    .topic("t")
                    .qos(MqttQos.EXACTLY_ONCE)
                    .payload(bytes("x"))
                    .send();
            // the publisher's batch and the subscriber's (its in-flight record), in either order:
            // they come from two connections
            await().atMost(Duration.ofSeconds(5)).until(() -> stores.pending() == 2);
            raw.assertNoPacket(QUIET);
            int inflight = stores.indexOfSent();
            assertTrue(inflight >= 0, "no pending batch holds the in-flight record");
            stores.complete(inflight, null);
            int id = raw.expect(RawClient.PUBLISH).packetId();
            stores.held = false;
            stores.complete(1 - inflight, null);
            raw.send(RawClient.ack(RawClient.PUBREC, id));
            assertEquals(id, raw.expect(RawClient.PUBREL).packetId());
            raw.send(RawClient.ack(RawClient.PUBCOMP, id));
            published.get(5, TimeUnit.SECONDS);
            pub.disconnect().get(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void subackWaitsForTheSubscriptionsToBeStored() throws Exception {
        broker = TestBroker.startOn(stores, null, null);
        Mqtt5AsyncClient sub = v5Connected(broker, "sub").toAsync();
        stores.held = true;
        CompletableFuture<?> subscribed = sub.subscribeWith().topicFilter("a/#").send();
        await().atMost(Duration.ofSeconds(5)).until(() -> stores.pending() == 1);
        await().during(QUIET).atMost(QUIET.multipliedBy(3)).until(() -> !subscribed.isDone());
        stores.complete(0, null);
        subscribed.get(5, TimeUnit.SECONDS);
    }

    @Test
    void connackOfAPersistentSessionWaitsForItsRecordAndNothingGoesOutBeforeIt() {
        broker = TestBroker.startOn(stores, null, null);
        try (RawClient first = RawClient.connected(broker, new RawClient.Connect(5, "dev").sessionExpiry(600))) {
            first.send(RawClient.subscribe(5, 1, "t/#", 0));
            first.expect(RawClient.SUBACK);
            first.send(RawClient.disconnect());
            first.assertClosed();
        }
        await().atMost(Duration.ofSeconds(5))
                .until(() -> !broker.broker().sessions().get("dev").isOnline());
        Mqtt5BlockingClient pub = v5Connected(broker, "pub");
        stores.held = true;
        try (RawClient raw = RawClient.open(broker, 5)) {
            raw.send(new RawClient.Connect(5, "dev")
                    .cleanStart(false)
                    .sessionExpiry(600)
                    .toBytes());
            raw.send(RawClient.pingreq());
            await().atMost(Duration.ofSeconds(5)).until(() -> stores.pending() == 1); // the session's record
            pub.publishWith()
                    .topic("t/1")
                    .payload(bytes("while the CONNACK waits"))
                    .send();
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> broker.broker().sessions().get("dev").queueSize() == 1);
            raw.assertNoPacket(QUIET); // no CONNACK, no PINGRESP, no PUBLISH before the record is stored

            stores.held = false; // what follows commits at once (the gate cannot tell an empty batch)
            stores.complete(0, null);
            assertTrue(raw.expectConnack(0).sessionPresent(), "session present");
            assertEquals(RawClient.PUBLISH, raw.read().type(), "the queued message after the CONNACK");
            raw.expect(RawClient.PINGRESP); // the packet that waited, in order
        } finally {
            pub.disconnect();
        }
    }

    @Test
    void aSessionRecordThatCannotBeStoredRefusesTheConnect() {
        broker = TestBroker.startOn(stores, null, null);
        stores.held = true;
        try (RawClient raw = RawClient.open(broker, 5)) {
            raw.send(new RawClient.Connect(5, "dev").sessionExpiry(600).toBytes());
            await().atMost(Duration.ofSeconds(5)).until(() -> stores.pending() == 1);
            stores.complete(0, new IOException("disk full"));
            raw.expectConnectRefusal(0x97); // Quota exceeded, as for a publish the store could not take
        }
    }

    @Test
    void anMqtt3SessionThatCannotBeStoredIsRefusedAsServerUnavailable() {
        broker = TestBroker.startOn(stores, null, null);
        stores.held = true;
        try (RawClient raw = RawClient.open(broker, 4)) {
            raw.send(new RawClient.Connect(4, "dev3").cleanStart(false).toBytes());
            await().atMost(Duration.ofSeconds(5)).until(() -> stores.pending() == 1);
            stores.complete(0, new IOException("disk full"));
            raw.expectConnack(3); // 3.1.1: server unavailable, then the close
            raw.assertClosed();
        }
    }

    @Test
    void aDurableQueueCarriesEveryMessageOfAPersistentSessionInOrderOnlineAndOffline() throws Exception {
        stores.durableQueues = true;
        broker = TestBroker.startOn(stores, null, null);
        Mqtt5BlockingClient sub = v5(broker, "keeper").toBlocking();
        Mqtt5BlockingClient pub = v5Connected(broker, "pub");
        try (Mqtt5Publishes publishes = sub.publishes(MqttGlobalPublishFilter.ALL)) {
            sub.connectWith().cleanStart(false).sessionExpiryInterval(600).send();
            sub.subscribeWith().topicFilter("d/#").qos(MqttQos.AT_LEAST_ONCE).send();
            for (int i = 0; i < 20; i++) {
                pub.publishWith()
                        .topic("d/" + i)
                        .qos(MqttQos.AT_LEAST_ONCE)
                        .payload(bytes(String.valueOf(i)))
                        .send();
            }
            List<String> received = new ArrayList<>();
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                expected.add(String.valueOf(i));
                received.add(text(next(publishes).getPayloadAsBytes()));
            }
            assertEquals(expected, received);
            assertTrue(stores.durableAdds > 0, "online messages went through the durable queue");
        }
        sub.disconnect();
        await().atMost(Duration.ofSeconds(5))
                .until(() -> !broker.broker().sessions().get("keeper").isOnline());
        for (int i = 20; i < 23; i++) {
            pub.publishWith()
                    .topic("d/" + i)
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload(bytes(String.valueOf(i)))
                    .send();
        }
        Mqtt5BlockingClient again = v5(broker, "keeper").toBlocking();
        try (Mqtt5Publishes publishes = again.publishes(MqttGlobalPublishFilter.ALL)) {
            assertTrue(again.connectWith()
                    .cleanStart(false)
                    .sessionExpiryInterval(600)
                    .send()
                    .isSessionPresent());
            for (int i = 20; i < 23; i++) {
                assertEquals(String.valueOf(i), text(next(publishes).getPayloadAsBytes()));
            }
        }
        again.disconnect();
        pub.disconnect();
        assertFalse(stores.held);
    }
}
