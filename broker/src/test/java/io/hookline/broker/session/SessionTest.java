package io.hookline.broker.session;

import static io.hookline.broker.testsupport.Clients.bytes;
import static io.hookline.broker.testsupport.Clients.text;
import static io.hookline.broker.testsupport.Clients.v3;
import static io.hookline.broker.testsupport.Clients.v5;
import static io.hookline.broker.testsupport.Clients.v5Builder;
import static io.hookline.broker.testsupport.Clients.v5Connected;
import static io.hookline.broker.testsupport.Receive.next;
import static io.hookline.broker.testsupport.Receive.nothing;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt3.exceptions.Mqtt3ConnAckException;
import com.hivemq.client.mqtt.mqtt3.message.connect.connack.Mqtt3ConnAckReturnCode;
import com.hivemq.client.mqtt.mqtt3.message.publish.Mqtt3Publish;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient.Mqtt5Publishes;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5DisconnectException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.hookline.broker.metrics.BrokerMetrics.Counter;
import io.hookline.broker.testsupport.ManualTime;
import io.hookline.broker.testsupport.TestBroker;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Clean and persistent sessions, offline queues, takeover, expiry and assigned client ids, end to end. */
class SessionTest {

    private TestBroker broker;
    /** Session expiry runs on the broker's scheduler: expiry tests move this time instead of waiting. */
    private final ManualTime time = new ManualTime();

    @AfterEach
    void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    private Session session(String clientId) {
        return broker.broker().sessions().get(clientId);
    }

    /** Waits until the broker has noticed the client left (DISCONNECT is answered by closing the socket). */
    private void awaitOffline(String clientId) {
        await().atMost(Duration.ofSeconds(5))
                .until(() -> session(clientId) == null || !session(clientId).isOnline());
    }

    private Mqtt5BlockingClient persistentV5(String clientId, long expirySeconds, boolean expectPresent) {
        Mqtt5BlockingClient client = v5(broker, clientId).toBlocking();
        Mqtt5ConnAck ack = client.connectWith()
                .cleanStart(false)
                .sessionExpiryInterval(expirySeconds)
                .send();
        assertEquals(expectPresent, ack.isSessionPresent(), "session present");
        return client;
    }

    @Test
    void persistentMqtt311SessionKeepsSubscriptionsAndQueuesQos1And2WhileOffline() throws Exception {
        broker = TestBroker.start();
        Mqtt3BlockingClient sub = v3(broker, "p3").toBlocking();
        assertFalse(sub.connectWith().cleanSession(false).send().isSessionPresent());
        sub.subscribeWith().topicFilter("q/#").qos(MqttQos.EXACTLY_ONCE).send();
        sub.disconnect();
        awaitOffline("p3");

        Mqtt5BlockingClient pub = v5Connected(broker, "pub");
        pub.publishWith()
                .topic("q/1")
                .qos(MqttQos.AT_LEAST_ONCE)
                .payload(bytes("one"))
                .send();
        pub.publishWith()
                .topic("q/2")
                .qos(MqttQos.EXACTLY_ONCE)
                .payload(bytes("two"))
                .send();
        assertEquals(2, session("p3").queueSize(), "queued while offline");

        Mqtt3BlockingClient again = v3(broker, "p3").toBlocking();
        try (var publishes = again.publishes(MqttGlobalPublishFilter.ALL)) {
            assertTrue(again.connectWith().cleanSession(false).send().isSessionPresent(), "session present");
            Mqtt3Publish first = next(publishes);
            assertEquals("one", text(first.getPayloadAsBytes()));
            assertEquals(MqttQos.AT_LEAST_ONCE, first.getQos());
            Mqtt3Publish second = next(publishes);
            assertEquals("two", text(second.getPayloadAsBytes()));
            assertEquals(MqttQos.EXACTLY_ONCE, second.getQos());
            // the subscription survived the reconnect
            pub.publishWith()
                    .topic("q/3")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload(bytes("live"))
                    .send();
            assertEquals("live", text(next(publishes).getPayloadAsBytes()));
        } finally {
            again.disconnect();
            pub.disconnect();
        }
    }

    @Test
    void persistentMqtt5SessionKeepsSubscriptionsAndQueuesQos1And2WhileOffline() throws Exception {
        broker = TestBroker.start();
        Mqtt5BlockingClient sub = persistentV5("p5", 60, false);
        sub.subscribeWith().topicFilter("q/+").qos(MqttQos.EXACTLY_ONCE).send();
        sub.disconnect();
        awaitOffline("p5");

        Mqtt5BlockingClient pub = v5Connected(broker, "pub");
        pub.publishWith()
                .topic("q/1")
                .qos(MqttQos.AT_LEAST_ONCE)
                .payload(bytes("one"))
                .send();
        pub.publishWith()
                .topic("q/2")
                .qos(MqttQos.EXACTLY_ONCE)
                .payload(bytes("two"))
                .send();

        Mqtt5BlockingClient again = v5(broker, "p5").toBlocking();
        try (Mqtt5Publishes publishes = again.publishes(MqttGlobalPublishFilter.ALL)) {
            assertTrue(again.connectWith()
                    .cleanStart(false)
                    .sessionExpiryInterval(60)
                    .send()
                    .isSessionPresent());
            Mqtt5Publish first = next(publishes);
            assertEquals("one", text(first.getPayloadAsBytes()));
            assertEquals(MqttQos.AT_LEAST_ONCE, first.getQos());
            Mqtt5Publish second = next(publishes);
            assertEquals("two", text(second.getPayloadAsBytes()));
            assertEquals(MqttQos.EXACTLY_ONCE, second.getQos());
            pub.publishWith().topic("q/3").payload(bytes("live")).send();
            assertEquals("live", text(next(publishes).getPayloadAsBytes()));
        } finally {
            again.disconnect();
            pub.disconnect();
        }
    }

    @Test
    void cleanSessionDiscardsTheOldSessionAndItsQueue() throws Exception {
        broker = TestBroker.start();
        Mqtt3BlockingClient sub = v3(broker, "c3").toBlocking();
        sub.connectWith().cleanSession(false).send();
        sub.subscribeWith().topicFilter("c/#").qos(MqttQos.AT_LEAST_ONCE).send();
        sub.disconnect();
        awaitOffline("c3");
        Mqtt5BlockingClient pub = v5Connected(broker, "pub");
        pub.publishWith()
                .topic("c/1")
                .qos(MqttQos.AT_LEAST_ONCE)
                .payload(bytes("queued"))
                .send();

        Mqtt3BlockingClient clean = v3(broker, "c3").toBlocking();
        try (var publishes = clean.publishes(MqttGlobalPublishFilter.ALL)) {
            assertFalse(clean.connectWith().cleanSession(true).send().isSessionPresent());
            assertEquals(0, broker.broker().subscriptions().size(), "old subscriptions removed");
            pub.publishWith()
                    .topic("c/2")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload(bytes("after"))
                    .send();
            nothing(publishes);
        } finally {
            clean.disconnect();
            pub.disconnect();
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> session("c3") == null);
    }

    @Test
    void offlineQueueDropsOldestFirstBeyondMaxOfflineMessagesAndCountsTheDrops() throws Exception {
        broker = TestBroker.start("max_offline_messages", "3");
        Mqtt5BlockingClient sub = persistentV5("slow", 60, false);
        sub.subscribeWith().topicFilter("m").qos(MqttQos.AT_LEAST_ONCE).send();
        sub.disconnect();
        awaitOffline("slow");

        Mqtt5BlockingClient pub = v5Connected(broker, "pub");
        for (int i = 0; i < 5; i++) {
            pub.publishWith()
                    .topic("m")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload(bytes("m" + i))
                    .send();
        }
        assertEquals(3, session("slow").queueSize());
        assertEquals(2, broker.broker().metrics().get(Counter.DROPPED_QUEUE_FULL));

        Mqtt5BlockingClient again = v5(broker, "slow").toBlocking();
        try (Mqtt5Publishes publishes = again.publishes(MqttGlobalPublishFilter.ALL)) {
            again.connectWith().cleanStart(false).sessionExpiryInterval(60).send();
            for (int i = 2; i < 5; i++) {
                assertEquals("m" + i, text(next(publishes).getPayloadAsBytes()), "the newest three, in order");
            }
            nothing(publishes);
        } finally {
            again.disconnect();
            pub.disconnect();
        }
    }

    @Test
    void takeoverSendsSessionTakenOverToTheOldMqtt5ConnectionAndKeepsTheSession() throws Exception {
        broker = TestBroker.start();
        CompletableFuture<Throwable> oldCause = new CompletableFuture<>();
        Mqtt5BlockingClient old = v5Builder(broker, "dup")
                .addDisconnectedListener(ctx -> oldCause.complete(ctx.getCause()))
                .build()
                .toBlocking();
        old.connectWith().cleanStart(false).sessionExpiryInterval(60).send();
        old.subscribeWith().topicFilter("t").qos(MqttQos.AT_LEAST_ONCE).send();

        Mqtt5BlockingClient fresh = v5(broker, "dup").toBlocking();
        Mqtt5BlockingClient pub = v5Connected(broker, "pub");
        try (Mqtt5Publishes publishes = fresh.publishes(MqttGlobalPublishFilter.ALL)) {
            assertTrue(fresh.connectWith()
                    .cleanStart(false)
                    .sessionExpiryInterval(60)
                    .send()
                    .isSessionPresent());
            Throwable cause = oldCause.get(5, TimeUnit.SECONDS);
            Mqtt5DisconnectException disconnect = assertInstanceOf(Mqtt5DisconnectException.class, cause);
            assertEquals(
                    Mqtt5DisconnectReasonCode.SESSION_TAKEN_OVER,
                    disconnect.getMqttMessage().getReasonCode());
            assertEquals(1, broker.broker().metrics().get(Counter.SESSION_TAKEOVERS));

            pub.publishWith()
                    .topic("t")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload(bytes("to the new one"))
                    .send();
            assertEquals("to the new one", text(next(publishes).getPayloadAsBytes()));
        } finally {
            fresh.disconnect();
            pub.disconnect();
        }
    }

    @Test
    void takeoverWithCleanStartDiscardsTheOldSession() throws Exception {
        broker = TestBroker.start();
        CompletableFuture<Throwable> oldCause = new CompletableFuture<>();
        Mqtt5BlockingClient old = v5Builder(broker, "dup")
                .addDisconnectedListener(ctx -> oldCause.complete(ctx.getCause()))
                .build()
                .toBlocking();
        old.connectWith().cleanStart(false).sessionExpiryInterval(60).send();
        old.subscribeWith().topicFilter("t").send();

        Mqtt5BlockingClient fresh = v5(broker, "dup").toBlocking();
        Mqtt5BlockingClient pub = v5Connected(broker, "pub");
        try (Mqtt5Publishes publishes = fresh.publishes(MqttGlobalPublishFilter.ALL)) {
            assertFalse(fresh.connectWith().cleanStart(true).send().isSessionPresent());
            Mqtt5DisconnectException disconnect =
                    assertInstanceOf(Mqtt5DisconnectException.class, oldCause.get(5, TimeUnit.SECONDS));
            assertEquals(
                    Mqtt5DisconnectReasonCode.SESSION_TAKEN_OVER,
                    disconnect.getMqttMessage().getReasonCode());
            pub.publishWith().topic("t").payload(bytes("old subscription")).send();
            nothing(publishes);
        } finally {
            fresh.disconnect();
            pub.disconnect();
        }
    }

    @Test
    void takeoverOfAnMqtt311ConnectionClosesTheOldOne() throws Exception {
        broker = TestBroker.start();
        CompletableFuture<Throwable> oldCause = new CompletableFuture<>();
        Mqtt3BlockingClient old = MqttClient.builder()
                .useMqttVersion3()
                .identifier("dup3")
                .serverHost("127.0.0.1")
                .serverPort(broker.port())
                .addDisconnectedListener(ctx -> oldCause.complete(ctx.getCause()))
                .build()
                .toBlocking();
        old.connectWith().cleanSession(false).send();
        old.subscribeWith().topicFilter("t").qos(MqttQos.AT_LEAST_ONCE).send();

        Mqtt3BlockingClient fresh = v3(broker, "dup3").toBlocking();
        Mqtt5BlockingClient pub = v5Connected(broker, "pub");
        try (var publishes = fresh.publishes(MqttGlobalPublishFilter.ALL)) {
            assertTrue(fresh.connectWith().cleanSession(false).send().isSessionPresent());
            assertNotNull(oldCause.get(5, TimeUnit.SECONDS), "the old connection was closed");
            pub.publishWith()
                    .topic("t")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload(bytes("new"))
                    .send();
            assertEquals("new", text(next(publishes).getPayloadAsBytes()));
        } finally {
            fresh.disconnect();
            pub.disconnect();
        }
    }

    @Test
    void mqtt5SessionIsKeptUntilItsExpiryIntervalThenRemoved() throws Exception {
        broker = TestBroker.startOn(null, time.clock(), time);
        Mqtt5BlockingClient client = persistentV5("exp", 1, false);
        client.subscribeWith().topicFilter("e").send();
        client.disconnect();
        awaitOffline("exp");
        time.advance(Duration.ofMillis(999));
        // before the interval passed: resumed
        client = persistentV5("exp", 1, true);
        client.disconnect();
        awaitOffline("exp");

        time.advance(Duration.ofMillis(999));
        assertNotNull(session("exp"), "not before the 1 s interval");
        time.advance(Duration.ofMillis(1));
        await().atMost(Duration.ofSeconds(5)).until(() -> session("exp") == null);
        assertEquals(0, broker.broker().subscriptions().size(), "its subscriptions went with it");
        assertEquals(1, broker.broker().metrics().get(Counter.SESSIONS_EXPIRED));
        persistentV5("exp", 1, false).disconnect();
    }

    @Test
    void mqtt5SessionWithoutExpiryEndsWithTheConnection() {
        broker = TestBroker.start();
        Mqtt5BlockingClient client = v5(broker, "zero").toBlocking();
        client.connectWith().cleanStart(false).send(); // no Session Expiry Interval: 0
        client.subscribeWith().topicFilter("z").send();
        client.disconnect();
        await().atMost(Duration.ofSeconds(5)).until(() -> session("zero") == null);
        persistentV5("zero", 0, false).disconnect();
    }

    @Test
    void persistentClientExpirationRemovesAnOfflineMqtt311Session() throws Exception {
        broker = TestBroker.startOn(null, time.clock(), time, "persistent_client_expiration", "2s");
        Mqtt3BlockingClient client = v3(broker, "old3").toBlocking();
        client.connectWith().cleanSession(false).send();
        client.subscribeWith().topicFilter("x").qos(MqttQos.AT_LEAST_ONCE).send();
        client.disconnect();
        awaitOffline("old3");
        assertEquals(2, session("old3").expirySeconds());

        time.advance(Duration.ofMillis(1999));
        assertNotNull(session("old3"), "not before 2 s");
        time.advance(Duration.ofMillis(1));
        await().atMost(Duration.ofSeconds(5)).until(() -> session("old3") == null);
        Mqtt3BlockingClient again = v3(broker, "old3").toBlocking();
        assertFalse(again.connectWith().cleanSession(false).send().isSessionPresent());
        again.disconnect();
    }

    @Test
    void disconnectWithSessionExpiryZeroEndsAPersistentSession() {
        broker = TestBroker.start();
        Mqtt5BlockingClient client = persistentV5("bye", 300, false);
        client.subscribeWith().topicFilter("b").send();
        client.disconnectWith().sessionExpiryInterval(0).send();
        await().atMost(Duration.ofSeconds(5)).until(() -> session("bye") == null);
        assertEquals(0, broker.broker().subscriptions().size());
    }

    @Test
    void disconnectWithAShorterSessionExpiryReplacesTheConnectValue() {
        broker = TestBroker.startOn(null, time.clock(), time);
        Mqtt5BlockingClient client = persistentV5("short", 300, false);
        client.disconnectWith().sessionExpiryInterval(1).send();
        awaitOffline("short");
        assertEquals(1, session("short").expirySeconds());
        time.advance(Duration.ofSeconds(1));
        await().atMost(Duration.ofSeconds(5)).until(() -> session("short") == null);
    }

    @Test
    void disconnectWithALongerSessionExpiryKeepsTheSession() {
        broker = TestBroker.start();
        Mqtt5BlockingClient client = persistentV5("longer", 1, false);
        client.disconnectWith().sessionExpiryInterval(300).send();
        awaitOffline("longer");
        assertEquals(300, session("longer").expirySeconds());
        persistentV5("longer", 0, true).disconnect();
    }

    @Test
    void emptyClientIdGetsAnAssignedClientIdentifierForMqtt5() {
        broker = TestBroker.start();
        Mqtt5BlockingClient client = MqttClient.builder()
                .useMqttVersion5()
                .serverHost("127.0.0.1")
                .serverPort(broker.port())
                .buildBlocking();
        Mqtt5ConnAck ack = client.connect();
        try {
            String assigned = ack.getAssignedClientIdentifier().orElseThrow().toString();
            assertFalse(assigned.isEmpty());
            assertNotNull(session(assigned), "the session is known by the assigned id");
        } finally {
            client.disconnect();
        }
    }

    @Test
    void emptyClientIdIsAcceptedWithCleanSessionForMqtt311() throws Exception {
        broker = TestBroker.start();
        Mqtt3BlockingClient client = MqttClient.builder()
                .useMqttVersion3()
                .serverHost("127.0.0.1")
                .serverPort(broker.port())
                .buildBlocking();
        client.connectWith().cleanSession(true).send();
        try (var publishes = client.publishes(MqttGlobalPublishFilter.ALL)) {
            assertEquals(1, broker.broker().sessions().size());
            String assigned = broker.broker().sessions().all().iterator().next().clientId();
            assertFalse(assigned.isEmpty());
            client.subscribeWith().topicFilter("anon").send();
            client.publishWith().topic("anon").payload(bytes("works")).send();
            assertEquals("works", text(next(publishes).getPayloadAsBytes()));
        } finally {
            client.disconnect();
        }
    }

    @Test
    void emptyClientIdWithoutCleanSessionIsRejectedForMqtt311() {
        broker = TestBroker.start();
        Mqtt3BlockingClient client = MqttClient.builder()
                .useMqttVersion3()
                .serverHost("127.0.0.1")
                .serverPort(broker.port())
                .buildBlocking();
        Mqtt3ConnAckException e = assertThrows(
                Mqtt3ConnAckException.class,
                () -> client.connectWith().cleanSession(false).send());
        assertEquals(
                Mqtt3ConnAckReturnCode.IDENTIFIER_REJECTED, e.getMqttMessage().getReturnCode());
        assertNull(broker.broker().sessions().all().stream().findAny().orElse(null));
    }

    @Test
    void maxSessionExpiryIntervalCapsWhatTheClientAsksFor() {
        broker = TestBroker.start("max_session_expiry_interval", "1s");
        Mqtt5BlockingClient client = v5(broker, "greedy").toBlocking();
        Mqtt5ConnAck ack = client.connectWith()
                .cleanStart(false)
                .sessionExpiryInterval(3600)
                .send();
        assertEquals(1, ack.getSessionExpiryInterval().orElseThrow(), "the broker's value in CONNACK");
        client.disconnect();
        await().atMost(Duration.ofSeconds(5)).until(() -> session("greedy") == null);
    }

    @Test
    void aResumingConnectReplacesTheSessionExpiry() {
        broker = TestBroker.start();
        persistentV5("changing", 300, false).disconnect();
        awaitOffline("changing");
        persistentV5("changing", 0, true).disconnect();
        await().atMost(Duration.ofSeconds(5)).until(() -> session("changing") == null);
    }
}
