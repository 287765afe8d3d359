package io.hookline.broker.store.rocks;

import static io.hookline.broker.testsupport.Clients.bytes;
import static io.hookline.broker.testsupport.Clients.text;
import static io.hookline.broker.testsupport.Clients.v5;
import static io.hookline.broker.testsupport.Clients.v5Connected;
import static io.hookline.broker.testsupport.PersistentSessions.firstRetained;
import static io.hookline.broker.testsupport.PersistentSessions.publishOnce;
import static io.hookline.broker.testsupport.PersistentSessions.resume;
import static io.hookline.broker.testsupport.PersistentSessions.subscribeAndLeave;
import static io.hookline.broker.testsupport.Receive.next;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient.Mqtt5Publishes;
import io.hookline.broker.config.SyncPolicy;
import io.hookline.broker.testsupport.AdminHttp;
import io.hookline.broker.testsupport.ManualTime;
import io.hookline.broker.testsupport.RawClient;
import io.hookline.broker.testsupport.Receive;
import io.hookline.broker.testsupport.TestBroker;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * persistence = on, end to end in one JVM: a broker closed and a new one started on the same
 * data_dir bring back the persistent session, its subscriptions, its queue in order and the
 * retained messages; expiry counts across the downtime; a session cleanup reaches the disk;
 * a second broker on a data_dir in use refuses to start.
 */
class DurableRestartTest {

    @TempDir
    Path dataDir;

    private TestBroker broker;

    @AfterEach
    void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    private TestBroker startDurable() {
        return TestBroker.start("persistence", "on", "data_dir", dataDir.toString());
    }

    @Test
    void aPersistentSessionItsQueueAndRetainedMessagesSurviveARestart() throws Exception {
        broker = startDurable();
        subscribeAndLeave(broker, "keeper", "r/#");

        Mqtt5BlockingClient pub = v5Connected(broker, "pub");
        for (int i = 0; i < 300; i++) { // more than a queue keeps in memory
            pub.publishWith()
                    .topic("r/" + i)
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload(bytes("m" + i))
                    .send();
        }
        pub.publishWith()
                .topic("ret/a")
                .qos(MqttQos.AT_LEAST_ONCE)
                .retain(true)
                .payload(bytes("kept"))
                .send();
        pub.disconnect();
        broker.close();

        broker = startDurable();
        assertEquals(300, broker.broker().sessions().get("keeper").queueSize(), "restored before any client connects");
        Mqtt5BlockingClient again = v5(broker, "keeper").toBlocking();
        try (Mqtt5Publishes publishes = again.publishes(MqttGlobalPublishFilter.ALL)) {
            assertTrue(resume(again));
            for (int i = 0; i < 300; i++) {
                assertEquals("m" + i, text(next(publishes).getPayloadAsBytes()), "in order");
            }
            publishOnce(broker, "pub2", "r/after", "after");
            assertEquals("after", text(next(publishes).getPayloadAsBytes()), "the subscription came back");
        }
        assertEquals("kept", firstRetained(broker, "late", "ret/#"), "the retained message came back");
        again.disconnect();
    }

    @Test
    void messagesAndSessionsKeepExpiringWhileTheBrokerIsDown() throws Exception {
        Path store = dataDir.resolve("store");
        ManualTime before = new ManualTime();
        broker = TestBroker.startOn(
                RocksStores.open(store, SyncPolicy.INTERVAL, Duration.ofSeconds(1), before.clock()),
                before.clock(),
                before);
        for (String[] s : new String[][] {{"short", "60"}, {"long", "3600"}}) {
            Mqtt5BlockingClient c = v5(broker, s[0]).toBlocking();
            c.connectWith()
                    .cleanStart(true)
                    .sessionExpiryInterval(Long.parseLong(s[1]))
                    .send();
            c.subscribeWith().topicFilter("e/#").qos(MqttQos.AT_LEAST_ONCE).send();
            c.disconnect();
        }
        await().atMost(Duration.ofSeconds(5))
                .until(() -> !broker.broker().sessions().get("long").isOnline());
        Mqtt5BlockingClient pub = v5Connected(broker, "pub");
        pub.publishWith()
                .topic("e/1")
                .qos(MqttQos.AT_LEAST_ONCE)
                .messageExpiryInterval(30)
                .payload(bytes("30 s"))
                .send();
        pub.publishWith()
                .topic("e/2")
                .qos(MqttQos.AT_LEAST_ONCE)
                .payload(bytes("lasting"))
                .send();
        pub.disconnect();
        broker.close();

        // two minutes pass while the broker is down
        ManualTime after = new ManualTime();
        after.advance(Duration.ofSeconds(120));
        broker = TestBroker.startOn(
                RocksStores.open(store, SyncPolicy.INTERVAL, Duration.ofSeconds(1), after.clock()),
                after.clock(),
                after);
        assertNull(broker.broker().sessions().get("short"), "its 60 s expiry passed while the broker was down");
        Mqtt5BlockingClient again = v5(broker, "long").toBlocking();
        try (Mqtt5Publishes publishes = again.publishes(MqttGlobalPublishFilter.ALL)) {
            assertTrue(resume(again));
            assertEquals("lasting", text(next(publishes).getPayloadAsBytes()), "the 30 s message expired meanwhile");
            Receive.nothing(publishes);
        }
        again.disconnect();
    }

    private RawClient persistentRaw(String clientId, boolean expectSessionPresent) {
        RawClient c = RawClient.open(broker, 5);
        c.send(RawClient.connect(
                5, clientId, 0x00, 60, new RawClient.Bytes().u8(0x11).u32(3600)));
        assertEquals(expectSessionPresent, c.expectConnack(0).sessionPresent(), "session present");
        return c;
    }

    /** Exactly once across a restart: the stored inbound QoS 2 id stops a resent PUBLISH from being routed again. */
    @Test
    void anInboundQos2ExchangeFinishesAfterARestartWithoutADuplicate() throws Exception {
        broker = startDurable();
        try (RawClient sub = persistentRaw("sub", false)) {
            sub.send(RawClient.subscribe(5, 1, "in2", 2));
            sub.expect(RawClient.SUBACK);
        }
        try (RawClient pub = persistentRaw("pub", false)) {
            pub.send(RawClient.publish(5, "in2", 2, 5, bytes("only once")));
            assertEquals(5, pub.expect(RawClient.PUBREC).packetId());
        } // PUBREC came, PUBREL not sent: the broker stops here
        broker.close();

        broker = startDurable();
        try (RawClient pub = persistentRaw("pub", true)) {
            pub.send(RawClient.publish(5, 0x08 | 0x04, "in2", 5, new RawClient.Bytes(), bytes("only once"))); // DUP
            assertEquals(5, pub.expect(RawClient.PUBREC).packetId());
            pub.send(RawClient.ack(RawClient.PUBREL, 5));
            RawClient.Packet pubcomp = pub.expect(RawClient.PUBCOMP);
            assertEquals(5, pubcomp.packetId());
            assertEquals(0, pubcomp.reasonCode());
        }
        try (RawClient sub = persistentRaw("sub", true)) {
            RawClient.Packet p = sub.expect(RawClient.PUBLISH);
            assertEquals("only once", p.payloadText());
            sub.send(RawClient.ack(RawClient.PUBREC, p.packetId()));
            sub.expect(RawClient.PUBREL);
            sub.send(RawClient.ack(RawClient.PUBCOMP, p.packetId()));
            sub.assertNoPacket(Duration.ofMillis(Receive.QUIET_MILLIS));
        }
    }

    @Test
    void aCleanStartDropsTheStoredQueueForGood() throws Exception {
        broker = startDurable();
        Mqtt5BlockingClient c = v5(broker, "c").toBlocking();
        c.connectWith().cleanStart(true).sessionExpiryInterval(3600).send();
        c.subscribeWith().topicFilter("q/#").qos(MqttQos.AT_LEAST_ONCE).send();
        c.disconnect();
        Mqtt5BlockingClient pub = v5Connected(broker, "pub");
        for (int i = 0; i < 5; i++) {
            pub.publishWith()
                    .topic("q/" + i)
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload(bytes("old" + i))
                    .send();
        }
        pub.disconnect();
        Mqtt5BlockingClient again = v5(broker, "c").toBlocking();
        try (Mqtt5Publishes publishes = again.publishes(MqttGlobalPublishFilter.ALL)) {
            assertFalse(again.connectWith()
                    .cleanStart(true)
                    .sessionExpiryInterval(3600)
                    .send()
                    .isSessionPresent());
            Receive.nothing(publishes);
        }
        again.disconnect();
        broker.close();

        broker = startDurable();
        assertEquals(0, broker.broker().sessions().get("c").queueSize(), "the old queue did not come back");
    }

    @Test
    void sessionCleanupRemovesTheSessionFromDiskToo() throws Exception {
        broker = TestBroker.start(
                "persistence", "on", "data_dir", dataDir.toString(), "listener.http.default", "127.0.0.1:0");
        Mqtt5BlockingClient gone = v5(broker, "gone").toBlocking();
        gone.connectWith().cleanStart(true).sessionExpiryInterval(3600).send();
        gone.subscribeWith().topicFilter("g/#").qos(MqttQos.AT_LEAST_ONCE).send();
        gone.disconnect();
        Mqtt5BlockingClient pub = v5Connected(broker, "pub");
        pub.publishWith()
                .topic("g/1")
                .qos(MqttQos.AT_LEAST_ONCE)
                .payload(bytes("queued"))
                .send();
        pub.disconnect();
        AdminHttp api = new AdminHttp(broker.httpPort(), AdminHttp.adminKey(dataDir));
        assertEquals(
                200,
                api.postJson("/api/v1/session/disconnect", "{\"client-id\":\"gone\",\"cleanup\":true}")
                        .status());
        broker.close();

        broker = startDurable();
        assertNull(broker.broker().sessions().get("gone"), "not restored: the cleanup reached the disk");
        Mqtt5BlockingClient back = v5(broker, "gone").toBlocking();
        assertFalse(resume(back));
        back.disconnect();
    }

    @Test
    void aSecondBrokerOnTheSameDataDirRefusesToStartNamingTheLock() {
        broker = startDurable();
        IllegalStateException e = assertThrows(IllegalStateException.class, this::startDurable);
        String lock = dataDir.toAbsolutePath()
                .normalize()
                .resolve("store")
                .resolve("LOCK")
                .toString();
        assertTrue(
                e.getMessage().contains("another broker is using the store")
                        && e.getMessage().contains(lock),
                e.getMessage());
    }
}
