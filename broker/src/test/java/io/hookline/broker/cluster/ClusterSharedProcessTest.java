package io.hookline.broker.cluster;

import static io.hookline.broker.cluster.ClusterProcessTest.awaitRoute;
import static io.hookline.broker.cluster.ClusterProcessTest.bytes;
import static io.hookline.broker.cluster.ClusterProcessTest.publisher;
import static io.hookline.broker.cluster.ClusterProcessTest.text;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.hookline.broker.cluster.ClusterProcessTest.Sub;
import io.hookline.broker.testsupport.AdminHttp;
import io.hookline.broker.testsupport.BrokerProcess;
import io.hookline.broker.testsupport.ClusterNodes;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Three broker processes, each with its own shared_subscription_policy (the publishing node's
 * policy decides): a = prefer_local, b = local_only, c = random (and a publisher's own policy through
 * auth_on_register, RegisterModifiersTest.LimitsPlugin). Shared groups span the nodes;
 * direct messages, the HTTP API's direct publish and {@code retain delete} reach the other nodes.
 * Real clients: Paho v5 subscribers, HiveMQ publishers. Each test has its own topics and ids.
 */
class ClusterSharedProcessTest {

    @RegisterExtension
    static final ClusterNodes cluster = ClusterNodes.perClass(); // killed after the last test

    static BrokerProcess a;
    static BrokerProcess b;
    static BrokerProcess c;

    @BeforeAll
    static void startThreeNodes() throws Exception {
        a = cluster.start("a", "shared_subscription_policy", "prefer_local", "direct_messages.allow_anonymous", "on");
        b = cluster.start("b", "shared_subscription_policy", "local_only", "direct_messages.allow_anonymous", "on");
        c = cluster.start(
                "c",
                "shared_subscription_policy",
                "random",
                "direct_messages.allow_anonymous",
                "on",
                "plugins.limits_test", // auth_on_register: a user name "shared_subscription_policy=..." sets it
                "on");
        cluster.awaitRunning(a, Duration.ofSeconds(30), "a", "b", "c");
    }

    @Test
    void randomFromAThirdNodeReachesEachMessageOnceSpreadOverBothNodes() throws Exception {
        try (Sub onA = new Sub(a, "rnd-a");
                Sub onB = new Sub(b, "rnd-b")) {
            onA.subscribe("$share/rnd/rnd/#", 1, 0, false, false);
            onB.subscribe("$share/rnd/rnd/#", 1, 0, false, false);
            Mqtt5BlockingClient pub = publisher(c, "rnd-pub");
            awaitBoth(pub, onA, onB, "rnd/probe");
            long outOfC = counter(c, "c", "messages_out");
            long intoA = counter(c, "a", "messages_in");
            long intoB = counter(c, "b", "messages_in");
            int n = 100;
            for (int i = 0; i < n; i++) {
                pub.publishWith()
                        .topic("rnd/m")
                        .qos(MqttQos.AT_LEAST_ONCE)
                        .payload(bytes("" + i))
                        .send();
            }
            Set<String> seen = new HashSet<>();
            int[] per = new int[2];
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                for (MqttMessage m; (m = onA.poll(0)) != null; ) {
                    assertTrue(seen.add(text(m)), "delivered twice: " + text(m));
                    assertEquals(1, m.getQos(), "QoS kept");
                    per[0]++;
                }
                for (MqttMessage m; (m = onB.poll(0)) != null; ) {
                    assertTrue(seen.add(text(m)), "delivered twice: " + text(m));
                    assertEquals(1, m.getQos(), "QoS kept");
                    per[1]++;
                }
                return seen.size() == n;
            });
            assertTrue(per[0] > 0 && per[1] > 0, "both nodes' members got some: a " + per[0] + ", b " + per[1]);
            // cluster show counts the SHARED frames as messages out of c and into a and b
            assertTrue(counter(c, "c", "messages_out") >= outOfC + n);
            assertTrue(counter(c, "a", "messages_in") >= intoA + per[0]);
            assertTrue(counter(c, "b", "messages_in") >= intoB + per[1]);
            pub.disconnect();
        }
    }

    /** A figure of node {@code name}'s row in {@code cluster show} asked of {@code on}. */
    private static long counter(BrokerProcess on, String name, String field) {
        for (var row : cluster.show(on)) {
            if (row.path("node").asText().equals(name)) {
                return row.path(field).asLong();
            }
        }
        throw new AssertionError("no row for node " + name + " in " + cluster.show(on));
    }

    @Test
    void preferLocalKeepsItOnThePublishersNodeAndGoesElsewhereWhenThereIsNoMemberThere() throws Exception {
        try (Sub onA = new Sub(a, "pl-a");
                Sub onB = new Sub(b, "pl-b");
                Sub watch = new Sub(b, "pl-watch")) {
            onA.subscribe("$share/pl/pl/#", 1, 0, false, false);
            onB.subscribe("$share/pl/pl/#", 1, 0, false, false);
            onB.subscribe("$share/plr/plr/#", 1, 0, false, false); // a group with no member on a
            watch.subscribe("pl/#", 1, 0, false, false); // a direct subscriber on b: a's route to b is known
            Mqtt5BlockingClient pub = publisher(a, "pl-pub");
            awaitRoute(pub, watch, "pl/probe");
            awaitRoute(pub, onB, "plr/probe"); // a knows b's member of plr
            onA.drainProbes("pl/probe");
            int n = 50;
            for (int i = 0; i < n; i++) {
                pub.publishWith()
                        .topic("pl/m")
                        .qos(MqttQos.AT_LEAST_ONCE)
                        .payload(bytes("" + i))
                        .send();
            }
            for (int i = 0; i < n; i++) {
                assertEquals("" + i, text(onA.next()), "the local member, in order");
                assertEquals("" + i, text(watch.next()));
            }
            // every message reached b (the watcher) after its shared copy was decided: none for b's member
            pub.publishWith()
                    .topic("plr/m")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload(bytes("remote"))
                    .send();
            assertEquals("remote", text(onB.next()), "no member on a: b's member");
            pub.disconnect();
        }
    }

    @Test
    void localOnlyNeverCrossesToAnotherNode() throws Exception {
        try (Sub onA = new Sub(a, "lo-a");
                Sub onB = new Sub(b, "lo-b");
                Sub watchA = new Sub(a, "lo-watch")) {
            onA.subscribe("$share/lo/lo/#", 1, 0, false, false);
            onA.subscribe("$share/lor/lor/#", 1, 0, false, false); // a group with no member on b
            onB.subscribe("$share/lo/lo/#", 1, 0, false, false);
            watchA.subscribe("lo/#", 1, 0, false, false);
            watchA.subscribe("lor/#", 1, 0, false, false);
            Mqtt5BlockingClient pub = publisher(b, "lo-pub");
            awaitRoute(pub, watchA, "lo/probe");
            awaitRoute(pub, watchA, "lor/probe");
            onB.drainProbes("lo/probe");
            int n = 50;
            for (int i = 0; i < n; i++) {
                pub.publishWith()
                        .topic("lo/m")
                        .qos(MqttQos.AT_LEAST_ONCE)
                        .payload(bytes("" + i))
                        .send();
            }
            pub.publishWith()
                    .topic("lor/m")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload(bytes("not-here"))
                    .send();
            for (int i = 0; i < n; i++) {
                assertEquals("" + i, text(onB.next()), "the member on the publisher's node");
            }
            for (int i = 0; i < n; i++) {
                assertEquals("" + i, text(watchA.next()));
            }
            assertEquals("not-here", text(watchA.next()));
            // a got every message (the watcher), and its members none: local_only kept them on b
            assertNull(onA.poll(0), "a's members got nothing");
            pub.disconnect();
        }
    }

    @Test
    void thePublishersOwnPolicyDecidesAcrossNodes() throws Exception {
        try (Sub onA = new Sub(a, "pp-a");
                Sub watchA = new Sub(a, "pp-watch")) {
            onA.subscribe("$share/pp/pp/#", 1, 0, false, false);
            watchA.subscribe("pp/#", 1, 0, false, false);
            Mqtt5BlockingClient plain = publisher(c, "pp-plain");
            awaitRoute(plain, onA, "pp/probe"); // c (random) knows a's member
            Mqtt5BlockingClient localOnly = com.hivemq.client.mqtt.MqttClient.builder()
                    .useMqttVersion5()
                    .identifier("pp-local-only")
                    .serverHost("127.0.0.1")
                    .serverPort(c.mqttPort())
                    .simpleAuth()
                    .username("shared_subscription_policy=local_only")
                    .applySimpleAuth()
                    .buildBlocking();
            localOnly.connect();
            watchA.drainProbes("pp/probe");
            for (int i = 0; i < 20; i++) {
                localOnly
                        .publishWith()
                        .topic("pp/m")
                        .qos(MqttQos.AT_LEAST_ONCE)
                        .payload(bytes("" + i))
                        .send();
            }
            plain.publishWith()
                    .topic("pp/m")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload(bytes("plain"))
                    .send();
            assertEquals(
                    "plain", text(onA.next()), "the local_only publisher's 20 never crossed; the broker's random did");
            for (int i = 0; i < 20; i++) {
                assertEquals("" + i, text(watchA.next()));
            }
            assertEquals("plain", text(watchA.next()));
            localOnly.disconnect();
            plain.disconnect();
        }
    }

    @Test
    void directMessagesReachAClientOnAnotherNode() throws Exception {
        try (Sub bob = new Sub(b, "dm-bob")) {
            Mqtt5BlockingClient pub = publisher(a, "dm-pub");
            // the client-id registry is written after CONNACK: publish until it arrives
            await().atMost(Duration.ofSeconds(20))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> {
                        pub.publishWith()
                                .topic("$direct/dm-bob/inbox/probe")
                                .payload(bytes("probe"))
                                .send();
                        return bob.drainProbes("inbox/probe");
                    });
            pub.publishWith()
                    .topic("$direct/dm-bob/inbox/note")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload(bytes("hello"))
                    .send();
            MqttMessage m = bob.next();
            assertEquals("hello", text(m));
            assertEquals(1, m.getQos());

            AdminHttp.Answer api = cluster.admin(c)
                    .postJson(
                            "/api/v1/publish",
                            "{\"client_id\":\"dm-bob\",\"topic\":\"inbox/api\",\"payload\":\"via c\",\"qos\":1}");
            assertEquals(200, api.status(), api.body());
            assertTrue(api.json().path("online").asBoolean(), api.body());
            assertEquals("via c", text(bob.next()));

            AdminHttp.Answer nobody = cluster.admin(c)
                    .postJson(
                            "/api/v1/publish", "{\"client_id\":\"dm-nobody\",\"topic\":\"inbox/x\",\"payload\":\"x\"}");
            assertEquals(404, nobody.status(), nobody.body());
            pub.disconnect();
        }
    }

    @Test
    void retainDeleteOnOneNodeDeletesOnEveryNode() throws Exception {
        Mqtt5BlockingClient pub = publisher(a, "rd-pub");
        pub.publishWith()
                .topic("rd/t")
                .qos(MqttQos.AT_LEAST_ONCE)
                .retain(true)
                .payload(bytes("kept"))
                .send();
        for (BrokerProcess node : List.of(a, b, c)) {
            await().atMost(Duration.ofSeconds(20)).until(() -> retained(node, "rd/t"));
        }
        AdminHttp.Answer deleted = cluster.admin(b).post("/api/v1/retain/delete?topic=rd/t");
        assertEquals(200, deleted.status(), deleted.body());
        for (BrokerProcess node : List.of(a, b, c)) {
            await().atMost(Duration.ofSeconds(20)).until(() -> !retained(node, "rd/t"));
        }
        try (Sub late = new Sub(c, "rd-late")) {
            late.subscribe("rd/#", 1, 0, false, false);
            late.subscribe("rd-probe/#", 1, 0, false, false);
            awaitRoute(pub, late, "rd-probe/probe"); // the subscription is in place: any retained came first
            assertNull(late.poll(0), "nothing retained on c any more");
        }
        pub.disconnect();
    }

    @Test
    void apiPublishCountsTheSessionsOnEveryNode() throws Exception {
        try (Sub a1 = new Sub(a, "mc-a1");
                Sub a2 = new Sub(a, "mc-a2");
                Sub b1 = new Sub(b, "mc-b1");
                Sub shared = new Sub(b, "mc-shared")) {
            a1.subscribe("mc/#", 1, 0, false, false);
            a1.subscribe("mc/+", 1, 0, false, false); // two filters, one session
            a2.subscribe("mc/#", 1, 0, false, false);
            b1.subscribe("mc/#", 1, 0, false, false);
            shared.subscribe("$share/mc/mc/#", 1, 0, false, false); // one group: one recipient
            Mqtt5BlockingClient pub = publisher(c, "mc-pub");
            for (Sub s : List.of(a1, a2, b1, shared)) {
                awaitRoute(pub, s, "mc/probe");
            }
            AdminHttp.Answer answer =
                    cluster.admin(c).postJson("/api/v1/publish", "{\"topic\":\"mc/x\",\"payload\":\"n\",\"qos\":1}");
            assertEquals(200, answer.status(), answer.body());
            assertEquals(4, answer.json().path("matched").asInt(), "a1, a2 on a, b1 and the group's member on b");
            for (Sub s : List.of(a1, a2, b1, shared)) {
                assertEquals("n", text(s.next()));
            }
            pub.disconnect();
        }
    }

    // ---- helpers -----------------------------------------------------------------------

    private static boolean retained(BrokerProcess node, String topic) {
        return cluster.admin(node)
                .get("/api/v1/retain/show?--topic=" + topic)
                .body()
                .contains(topic);
    }

    /** Publishes probes until both members received one: the publisher's node knows both. */
    private static void awaitBoth(Mqtt5BlockingClient pub, Sub one, Sub two, String probe) {
        boolean[] got = new boolean[2];
        await().atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> {
                    pub.publishWith().topic(probe).payload(bytes("probe")).send();
                    got[0] |= one.drainProbes(probe);
                    got[1] |= two.drainProbes(probe);
                    return got[0] && got[1];
                });
        assertNotNull(pub);
    }
}
