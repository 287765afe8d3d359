package io.hookline.broker.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient.Mqtt5Publishes;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5DisconnectException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.hookline.broker.testsupport.AdminHttp;
import io.hookline.broker.testsupport.BrokerProcess;
import io.hookline.broker.testsupport.Clients;
import io.hookline.broker.testsupport.ClusterNodes;
import io.hookline.broker.testsupport.RawClient;
import io.hookline.broker.testsupport.RawClient.Bytes;
import io.hookline.broker.testsupport.RawClient.Packet;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Persistent sessions move between two broker processes (docs/cluster.md, session migration),
 * with real clients: HiveMQ for queues and takeover, a raw socket where the test must stop a QoS 2
 * exchange halfway. Each test has its own client ids and topics; the two nodes are shared, except
 * for the SIGKILL test, which starts two of its own.
 */
class SessionMigrationProcessTest {

    @RegisterExtension
    static final ClusterNodes cluster = ClusterNodes.perClass(); // killed after the last test

    static BrokerProcess a;
    static BrokerProcess b;

    /** Queues long enough for the tests (the defaults bound them at 1,000). */
    static final String[] QUEUES = {"max_offline_messages", "20000", "max_online_messages", "20000"};

    @BeforeAll
    static void startTwoNodes() throws Exception {
        a = cluster.start("a", QUEUES);
        b = cluster.start("b", QUEUES);
        await().atMost(Duration.ofSeconds(30)).until(() -> cluster.running(b).size() == 2);
    }

    @Test
    void anOfflineQueueOf1000MovesToTheOtherNodeInOrderWithSessionPresent() throws Exception {
        Mqtt5BlockingClient sub = client(a, "mig-offline");
        sub.connectWith().cleanStart(true).sessionExpiryInterval(300).send();
        sub.subscribeWith()
                .topicFilter("mig/offline/#")
                .qos(MqttQos.AT_LEAST_ONCE)
                .send();
        sub.disconnect();
        Mqtt5BlockingClient pub = connected(a, "mig-offline-pub");
        for (int i = 0; i < 1000; i++) {
            pub.publishWith()
                    .topic("mig/offline/x")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload(bytes("m" + i))
                    .send();
        }

        Mqtt5BlockingClient moved = client(b, "mig-offline");
        try (Mqtt5Publishes inbox = moved.publishes(MqttGlobalPublishFilter.ALL)) {
            Mqtt5ConnAck ack = moved.connectWith()
                    .cleanStart(false)
                    .sessionExpiryInterval(300)
                    .send();
            assertTrue(ack.isSessionPresent(), "the session came from node a");
            for (int i = 0; i < 1000; i++) {
                assertEquals("m" + i, text(next(inbox)), "message " + i + " in order");
            }
            // its routes moved: published on a now, it reaches the client on b
            pub.publishWith()
                    .topic("mig/offline/after")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload(bytes("after"))
                    .send();
            assertEquals("after", text(next(inbox)));
        }
        moved.disconnect();
        pub.disconnect();
        assertTrue(b.awaitOutput("session of 'mig-offline' moved here from node 'a'"));
    }

    @Test
    void messagesPublishedOnTheNewNodeDuringTheMoveAllArrive() throws Exception {
        Mqtt5BlockingClient sub = client(a, "mig-during");
        sub.connectWith().cleanStart(true).sessionExpiryInterval(300).send();
        sub.subscribeWith().topicFilter("mig/during").qos(MqttQos.AT_LEAST_ONCE).send();
        sub.disconnect();
        Mqtt5BlockingClient onA = connected(a, "mig-during-pa");
        Mqtt5BlockingClient onB = connected(b, "mig-during-pb");
        for (int i = 0; i < 2000; i++) {
            onA.publishWith()
                    .topic("mig/during")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload(bytes("q" + i))
                    .send();
        }
        // a publisher keeps going on b while the client moves from a to b (publishing on the old node
        // during moves: messagesPublishedOnTheOldNodeWhileTheSessionMovesBackAndForthAllArrive)
        java.util.concurrent.atomic.AtomicInteger sent = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        Thread publishing = new Thread(() -> {
            for (int i = 0; !stop.get() || i < 50; i++) {
                onB.publishWith()
                        .topic("mig/during")
                        .qos(MqttQos.AT_LEAST_ONCE)
                        .payload(bytes("d" + i))
                        .send();
                sent.set(i + 1);
            }
        });
        publishing.start();
        Mqtt5BlockingClient moved = client(b, "mig-during");
        java.util.Set<String> got = new java.util.HashSet<>();
        try (Mqtt5Publishes inbox = moved.publishes(MqttGlobalPublishFilter.ALL)) {
            assertTrue(moved.connectWith()
                    .cleanStart(false)
                    .sessionExpiryInterval(300)
                    .send()
                    .isSessionPresent());
            for (int i = 0; i < 2000; i++) {
                assertEquals("q" + i, text(next(inbox)), "queued message " + i + " in order");
            }
            stop.set(true);
            publishing.join(60_000);
            // every message published during the move arrives (QoS 1: a duplicate is allowed)
            for (int i = 0; i < sent.get(); i++) {
                while (!got.contains("d" + i)) {
                    got.add(text(next(inbox)));
                }
            }
        }
        moved.disconnect();
        onA.disconnect();
        onB.disconnect();
    }

    @Test
    void messagesPublishedOnTheOldNodeWhileTheSessionMovesBackAndForthAllArrive() throws Exception {
        // the end window: the old node ends its copy only once its route table sends the filter to
        // the new node, so what is published there meanwhile is queued there or goes to the new node
        java.util.Set<String> got = java.util.concurrent.ConcurrentHashMap.newKeySet();
        Mqtt5BlockingClient first = client(a, "mig-end");
        first.toAsync().publishes(MqttGlobalPublishFilter.ALL, p -> got.add(text(p)));
        first.connectWith().cleanStart(true).sessionExpiryInterval(300).send();
        first.subscribeWith().topicFilter("mig/end").qos(MqttQos.AT_LEAST_ONCE).send();
        Mqtt5BlockingClient onA = connected(a, "mig-end-pa");
        Mqtt5BlockingClient onB = connected(b, "mig-end-pb");
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicInteger[] sent = {
            new java.util.concurrent.atomic.AtomicInteger(), new java.util.concurrent.atomic.AtomicInteger()
        };
        Thread[] publishing = new Thread[2];
        for (int n = 0; n < 2; n++) {
            Mqtt5BlockingClient pub = n == 0 ? onA : onB;
            String prefix = n == 0 ? "a" : "b";
            java.util.concurrent.atomic.AtomicInteger count = sent[n];
            publishing[n] = new Thread(() -> {
                for (int i = 0; !stop.get(); i++) {
                    pub.publishWith()
                            .topic("mig/end")
                            .qos(MqttQos.AT_LEAST_ONCE)
                            .payload(bytes(prefix + i))
                            .send();
                    count.set(i + 1);
                }
            });
            publishing[n].start();
        }
        // a -> b -> a -> b, each while both keep publishing (on the old node as on the new one)
        Mqtt5BlockingClient current = first;
        BrokerProcess[] moves = {b, a, b};
        for (BrokerProcess to : moves) {
            int before = got.size();
            await().atMost(Duration.ofSeconds(30)).until(() -> got.size() > before + 20); // publishing goes on
            Mqtt5BlockingClient moved = client(to, "mig-end");
            moved.toAsync().publishes(MqttGlobalPublishFilter.ALL, p -> got.add(text(p)));
            assertTrue(moved.connectWith()
                    .cleanStart(false)
                    .sessionExpiryInterval(300)
                    .send()
                    .isSessionPresent());
            current = moved;
        }
        int before = got.size();
        await().atMost(Duration.ofSeconds(30)).until(() -> got.size() > before + 20);
        stop.set(true);
        for (Thread t : publishing) {
            t.join(60_000);
        }
        // every message published, on either node, arrives (QoS 1: a duplicate is allowed)
        await().atMost(Duration.ofSeconds(60)).until(() -> missing(got, sent).isEmpty());
        assertTrue(sent[0].get() > 0 && sent[1].get() > 0);
        current.disconnect();
        onA.disconnect();
        onB.disconnect();
    }

    private static java.util.List<String> missing(
            java.util.Set<String> got, java.util.concurrent.atomic.AtomicInteger[] sent) {
        java.util.List<String> out = new java.util.ArrayList<>();
        for (int n = 0; n < 2; n++) {
            for (int i = 0; i < sent[n].get(); i++) {
                String m = (n == 0 ? "a" : "b") + i;
                if (!got.contains(m)) {
                    out.add(m);
                }
            }
        }
        return out;
    }

    @Test
    void aConnectedSubscriberIsTakenOverAndItsInflightAndQueueFollowIt() throws Exception {
        CompletableFuture<Integer> reason = new CompletableFuture<>();
        Mqtt5BlockingClient first = MqttClient.builder()
                .useMqttVersion5()
                .identifier("mig-online")
                .serverHost("127.0.0.1")
                .serverPort(a.mqttPort())
                .addDisconnectedListener(ctx -> {
                    if (ctx.getCause() instanceof Mqtt5DisconnectException d) {
                        reason.complete(d.getMqttMessage().getReasonCode().getCode());
                    } else {
                        reason.complete(-1);
                    }
                })
                .buildBlocking();
        // it never acknowledges: 20 messages stay in flight on a (max_inflight_messages), the rest queue there
        Mqtt5Publishes unacked = first.publishes(MqttGlobalPublishFilter.ALL, true);
        first.connectWith().cleanStart(true).sessionExpiryInterval(300).send();
        first.subscribeWith()
                .topicFilter("mig/online/#")
                .qos(MqttQos.AT_LEAST_ONCE)
                .send();
        Mqtt5BlockingClient pub = connected(a, "mig-online-pub");
        for (int i = 0; i < 500; i++) {
            pub.publishWith()
                    .topic("mig/online/x")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload(bytes("m" + i))
                    .send();
        }
        assertEquals("m0", text(next(unacked)), "the first message reached the client on a");

        Mqtt5BlockingClient second = client(b, "mig-online");
        try (Mqtt5Publishes inbox = second.publishes(MqttGlobalPublishFilter.ALL)) {
            Mqtt5ConnAck ack = second.connectWith()
                    .cleanStart(false)
                    .sessionExpiryInterval(300)
                    .send();
            assertTrue(ack.isSessionPresent());
            assertEquals(0x8E, reason.get(20, TimeUnit.SECONDS), "a's connection: session taken over");
            // in flight first (resent with DUP), then the queue: every message once, in order
            for (int i = 0; i < 500; i++) {
                assertEquals("m" + i, text(next(inbox)), "message " + i + " in order");
            }
        }
        unacked.close();
        second.disconnect();
        pub.disconnect();
    }

    @Test
    void qos2InFlightBothWaysIsCompletedExactlyOnceOnTheNewNode() throws Exception {
        RawClient sub = RawClient.open(a.mqttPort(), 5);
        sub.send(new RawClient.Connect(5, "mig-q2")
                .cleanStart(true)
                .sessionExpiry(300)
                .toBytes());
        sub.expectConnack(0);
        sub.send(RawClient.subscribe(5, 1, "mig/q2/#", 2));
        sub.expect(RawClient.SUBACK);
        Mqtt5BlockingClient watcher = connected(a, "mig-q2-watch");
        watcher.subscribeWith()
                .topicFilter("mig/q2in")
                .qos(MqttQos.EXACTLY_ONCE)
                .send();
        Mqtt5Publishes seen = watcher.publishes(MqttGlobalPublishFilter.ALL);
        Mqtt5BlockingClient pub = connected(a, "mig-q2-pub");

        // outgoing: the first at the PUBREL stage, the second sent and not acknowledged at all
        pub.publishWith()
                .topic("mig/q2/one")
                .qos(MqttQos.EXACTLY_ONCE)
                .payload(bytes("one"))
                .send();
        Packet one = sub.expect(RawClient.PUBLISH);
        sub.send(RawClient.ack(RawClient.PUBREC, one.packetId()));
        assertEquals(one.packetId(), sub.expect(RawClient.PUBREL).packetId());
        pub.publishWith()
                .topic("mig/q2/two")
                .qos(MqttQos.EXACTLY_ONCE)
                .payload(bytes("two"))
                .send();
        Packet two = sub.expect(RawClient.PUBLISH);
        assertEquals("two", two.payloadText());
        // incoming: a QoS 2 PUBLISH from the client, PUBREC'd, its PUBREL not sent yet
        sub.send(RawClient.publish(5, "mig/q2in", 2, 77, bytes("in")));
        assertEquals(77, sub.expect(RawClient.PUBREC).packetId());
        assertEquals("in", text(seen.receive(20, TimeUnit.SECONDS).orElseThrow()));
        sub.abort(); // gone without DISCONNECT

        RawClient moved = RawClient.open(b.mqttPort(), 5);
        moved.setReadTimeout(Duration.ofSeconds(20));
        moved.send(new RawClient.Connect(5, "mig-q2")
                .cleanStart(false)
                .sessionExpiry(300)
                .toBytes());
        assertTrue(moved.expectConnack(0).sessionPresent());
        Packet rel = moved.expect(RawClient.PUBREL);
        assertEquals(one.packetId(), rel.packetId(), "the PUBREL stage moved");
        Packet again = moved.expect(RawClient.PUBLISH);
        assertEquals(two.packetId(), again.packetId());
        assertTrue(again.dup(), "resent with DUP");
        assertEquals("two", again.payloadText());
        moved.send(RawClient.ack(RawClient.PUBCOMP, one.packetId()));
        moved.send(RawClient.ack(RawClient.PUBREC, two.packetId()));
        assertEquals(two.packetId(), moved.expect(RawClient.PUBREL).packetId());
        moved.send(RawClient.ack(RawClient.PUBCOMP, two.packetId()));
        // the inbound id moved too: its PUBREL completes (0x00, not 0x92 packet id not found)
        moved.send(new Bytes().u16(77).u8(0).packet(RawClient.PUBREL << 4 | 0x02));
        Packet comp = moved.expect(RawClient.PUBCOMP);
        assertEquals(77, comp.packetId());
        assertEquals(0, comp.reasonCode(), "PUBCOMP success: the id awaiting PUBREL came along");
        // exactly once: nothing more for the client, and the watcher saw "in" once
        moved.send(RawClient.pingreq());
        moved.expect(RawClient.PINGRESP);
        assertFalse(seen.receive(200, TimeUnit.MILLISECONDS).isPresent(), "the inbound message was not routed twice");
        moved.send(RawClient.disconnect());
        moved.close();
        watcher.disconnect();
        pub.disconnect();
    }

    @Test
    void migrateSessionsPushesEveryPersistentSessionOfANodeToTheOthers() throws Exception {
        Mqtt5BlockingClient sub = client(a, "mig-push");
        sub.connectWith().cleanStart(true).sessionExpiryInterval(300).send();
        sub.subscribeWith().topicFilter("mig/push").qos(MqttQos.AT_LEAST_ONCE).send();
        sub.disconnect();
        Mqtt5BlockingClient pub = connected(a, "mig-push-pub");
        for (int i = 0; i < 5; i++) {
            pub.publishWith()
                    .topic("mig/push")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload(bytes("p" + i))
                    .send();
        }
        AdminHttp admin = cluster.admin(a);
        AdminHttp.Answer bad = admin.post("/api/v1/cluster/migrate-sessions?--parallel=0");
        assertEquals(400, bad.status(), bad.body());
        assertTrue(bad.body().contains("parallel: must be 1 to 64, not 0"), bad.body());
        AdminHttp.Answer badTimeout = admin.post("/api/v1/cluster/migrate-sessions?--timeout=0");
        assertEquals(400, badTimeout.status(), badTimeout.body());
        assertTrue(badTimeout.body().contains("timeout: must be at least 1 second, not 0"), badTimeout.body());

        AdminHttp.Answer answer = admin.post("/api/v1/cluster/migrate-sessions");
        assertEquals(200, answer.status(), answer.body());
        JsonNode row = answer.json().path("table").get(0);
        assertTrue(row.path("moved").asInt() >= 1, answer.body());
        assertTrue(b.awaitOutput("session of 'mig-push' moved here from node 'a'"));

        // b holds it now: a publish on a reaches it there (routes moved), after the queue
        pub.publishWith()
                .topic("mig/push")
                .qos(MqttQos.AT_LEAST_ONCE)
                .payload(bytes("p5"))
                .send();
        Mqtt5BlockingClient back = client(b, "mig-push");
        try (Mqtt5Publishes inbox = back.publishes(MqttGlobalPublishFilter.ALL)) {
            assertTrue(back.connectWith()
                    .cleanStart(false)
                    .sessionExpiryInterval(300)
                    .send()
                    .isSessionPresent());
            for (int i = 0; i < 6; i++) {
                assertEquals("p" + i, text(next(inbox)));
            }
        }
        back.disconnect();
        pub.disconnect();
    }

    @Test
    void whenTheNodeHoldingTheSessionIsKilledTheOtherAnswersWithAFreshSession(@TempDir Path own) throws Exception {
        try (ClusterNodes pair = new ClusterNodes(own)) {
            BrokerProcess c = pair.start("c");
            BrokerProcess d = pair.start("d");
            await().atMost(Duration.ofSeconds(30)).until(() -> pair.running(d).size() == 2);
            // until d holds the backups, c may hold alone where the session lives, and its death
            // would take that along: a fresh session still, but none of the lines asserted below
            pair.awaitReplicasSafe(d);
            Mqtt5BlockingClient sub = client(c, "mig-dead");
            sub.connectWith().cleanStart(true).sessionExpiryInterval(300).send();
            sub.subscribeWith()
                    .topicFilter("mig/dead")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .send();
            sub.disconnect();
            Mqtt5BlockingClient pub = connected(c, "mig-dead-pub");
            pub.publishWith()
                    .topic("mig/dead")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload(bytes("lost"))
                    .send();
            // c registers the session in the cluster's directory without waiting (the CONNACK does
            // not wait for it); the replica check runs on the partition threads behind that write,
            // so once the replicas are safe again d holds it. Killed before, the session's entry
            // could die with c (it did once on CI): a fresh session still, but none of the lines
            // asserted below
            pair.awaitReplicasSafe(d);
            c.process().destroyForcibly(); // SIGKILL
            c.process().waitFor();

            Mqtt5BlockingClient fresh = client(d, "mig-dead");
            Mqtt5ConnAck ack = fresh.connectWith()
                    .cleanStart(false)
                    .sessionExpiryInterval(300)
                    .send(); // answered within the client's timeout: bounded by cluster.failure_timeout
            assertFalse(ack.isSessionPresent(), "the session stays on c's disk: a fresh one here");
            fresh.disconnect();
            // "was on node ..., which is gone" or "did not come from node ..." (c not yet noticed dead)
            assertTrue(
                    d.awaitOutput("the session of 'mig-dead'"),
                    () -> "the fresh start is logged: " + String.join("\n", d.output()));
        }
    }

    // ---- helpers ---------------------------------------------------------------------------

    static Mqtt5BlockingClient client(BrokerProcess node, String id) {
        return Clients.v5(node, id).toBlocking();
    }

    static Mqtt5BlockingClient connected(BrokerProcess node, String id) {
        Mqtt5BlockingClient c = client(node, id);
        c.connect();
        return c;
    }

    static Mqtt5Publish next(Mqtt5Publishes inbox) throws InterruptedException {
        Optional<Mqtt5Publish> p = inbox.receive(20, TimeUnit.SECONDS);
        assertTrue(p.isPresent(), "a message within 20 s");
        return p.get();
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String text(Mqtt5Publish p) {
        return new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8);
    }

    static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
