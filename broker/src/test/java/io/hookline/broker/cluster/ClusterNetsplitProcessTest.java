package io.hookline.broker.cluster;

import static io.hookline.broker.cluster.ClusterProcessTest.assertCrosses;
import static io.hookline.broker.cluster.ClusterProcessTest.awaitRoute;
import static io.hookline.broker.cluster.ClusterProcessTest.bytes;
import static io.hookline.broker.cluster.ClusterProcessTest.publisher;
import static io.hookline.broker.cluster.ClusterProcessTest.text;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.hookline.broker.cluster.ClusterProcessTest.Sub;
import io.hookline.broker.testsupport.Acks;
import io.hookline.broker.testsupport.BrokerProcess;
import io.hookline.broker.testsupport.Clients;
import io.hookline.broker.testsupport.ClusterNodes;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Netsplits with real broker processes: node a is frozen with SIGSTOP (no heartbeats, its
 * sockets stay open, as a hung machine or a cut cable), node b notices within
 * cluster.failure_timeout and, of two nodes without a's name to break the tie, has no quorum:
 * it is in a netsplit. With the allow_*_during_netsplit keys off it refuses CONNECT (v5 0x88,
 * 3.1.1 0x03), PUBLISH (v5 0x83, 3.1.1 closed) and SUBSCRIBE (v5 0x83, 3.1.1 0x80); with them
 * on it serves as an island. a resumes with SIGCONT, the halves merge, and the metadata
 * converges: routes in both directions, the later of two connections of one client id, the
 * newer of two retained values.
 */
class ClusterNetsplitProcessTest {

    @RegisterExtension
    final ClusterNodes cluster = new ClusterNodes(); // each test's nodes, killed after it

    private static final String[] FAST_HEAL = {"cluster.netsplit.heal_check", "2s"};

    @Test
    void theMinorityRefusesWithTheDocumentedCodesAndTheHealRestoresRoutesBothWays() throws Exception {
        BrokerProcess a = cluster.start("a", FAST_HEAL);
        BrokerProcess b = cluster.start("b", FAST_HEAL);
        await().atMost(Duration.ofSeconds(20)).until(() -> cluster.running(b).equals(List.of("a", "b")));
        Mqtt5BlockingClient onB = publisher(b, "split-v5");
        Mqtt3BlockingClient onB3 = v3(b, "split-v3");
        Mqtt5BlockingClient pubA = publisher(a, "split-pub-a");
        try (Sub before = new Sub(b, "split-before")) {
            before.subscribe("before/#", 1, 0, false, false);
            awaitRoute(pubA, before, "before/probe");

            a.freeze();
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                JsonNode split = cluster.netsplit(b);
                assertTrue(split.path("in_netsplit").asBoolean(), split.toString());
                assertTrue(split.path("unreachable").has("a"), split.toString());
            });
            JsonNode split = cluster.netsplit(b);
            assertEquals(List.of("CONNECT", "PUBLISH", "SUBSCRIBE"), strings(split.path("refusing")));
            assertTrue(b.awaitOutput("NETSPLIT: this node is cut off from [a]"), String.join("\n", b.output()));
            String shown = adminClusterShow(b);
            assertTrue(
                    shown.contains("NETSPLIT since") && shown.contains("cut off from a"),
                    "bin/admin cluster show says so: " + shown);

            assertEquals(
                    0x88,
                    Acks.connack(() -> client5(b, "split-new").connect())
                            .getReasonCode()
                            .getCode(),
                    "v5 CONNECT: server unavailable");
            assertEquals(0x03, Acks.connackV3(() -> v3client(b, "split-new3").connect()), "3.1.1: server unavailable");
            assertEquals(0x83, Acks.puback(onB, "during/x", "refused"), "v5 QoS 1 PUBLISH refused");
            assertEquals(List.of(0x83), Acks.suback(onB, 1, "during/#"), "v5 SUBSCRIBE refused");
            assertEquals(List.of(0x80), Acks.subackV3(onB3, 1, "during/#"), "3.1.1 SUBSCRIBE failure");
            onB3.toAsync()
                    .publishWith()
                    .topic("during/x")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload(bytes("refused"))
                    .send();
            await().atMost(Duration.ofSeconds(10)).until(() -> !onB3.getState().isConnected());

            // the keys are live: an operator lets the cut-off node take clients again
            assertEquals(
                    200,
                    cluster.admin(b)
                            .post("/api/v1/config/set?allow_register_during_netsplit=on")
                            .status());
            Mqtt5BlockingClient admitted = client5(b, "split-admitted");
            assertEquals(0, Acks.connack(admitted::connect).getReasonCode().getCode(), "CONNECT accepted now");
            assertEquals(0x83, Acks.puback(admitted, "during/x", "still refused"), "PUBLISH still refused");
            admitted.disconnect();

            a.resume();
            await().atMost(Duration.ofSeconds(40)).untilAsserted(() -> {
                assertEquals(List.of("a", "b"), cluster.running(a));
                assertEquals(List.of("a", "b"), cluster.running(b));
                assertFalse(cluster.netsplit(b).path("in_netsplit").asBoolean());
                assertEquals(0, cluster.netsplit(a).path("unreachable").size());
                assertEquals(0, cluster.netsplit(b).path("unreachable").size());
            });
            assertTrue(b.awaitOutput("netsplit over"), String.join("\n", b.output()));
            awaitLine("heal reconciled routes", a, b); // one side merged into the other and said so

            // routes in both directions: the subscription from before the split, and new ones
            Mqtt5BlockingClient pubA2 = publisher(a, "split-pub-a2");
            // a new probe: late ones from before may still come
            assertCrosses(pubA2, before, "before/healed/probe", "before/after", "a to b");
            Mqtt5BlockingClient pubB = publisher(b, "split-pub-b");
            try (Sub onA = new Sub(a, "split-sub-a")) {
                onA.subscribe("after/#", 1, 0, false, false);
                assertCrosses(pubB, onA, "after/probe", "after/x", "b to a");
            }
            pubB.disconnect();
            pubA2.disconnect();
        }
    }

    @Test
    void withTheKeysOnTheMinorityServesAsAnIslandAndTheHealKeepsTheNewerRetainedAndTheLaterConnection()
            throws Exception {
        String[] island = {
            "cluster.netsplit.heal_check", "2s",
            "allow_register_during_netsplit", "on",
            "allow_publish_during_netsplit", "on",
            "allow_subscribe_during_netsplit", "on"
        };
        BrokerProcess a = cluster.start("a", island);
        BrokerProcess b = cluster.start("b", island);
        await().atMost(Duration.ofSeconds(20)).until(() -> cluster.running(b).equals(List.of("a", "b")));
        Mqtt5BlockingClient pubA = publisher(a, "island-pub-a");
        retain(pubA, "island/kept", "before the split");
        retain(pubA, "island/cleared", "before the split");
        await().atMost(Duration.ofSeconds(20)).until(() -> "before the split".equals(retained(b, "island/cleared")));
        try (Sub dupOnA = new Sub(a, "island-dup")) {
            a.freeze();
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> cluster.netsplit(b).path("in_netsplit").asBoolean());
            JsonNode split = cluster.netsplit(b);
            assertEquals(0, split.path("refusing").size(), split.toString());
            assertTrue(b.awaitOutput("serving as an island"), String.join("\n", b.output()));

            // b alone: a new client, a subscription and publishes are served
            try (Sub islander = new Sub(b, "island-sub")) {
                islander.subscribe("isl/#", 1, 0, false, false); // not the retained topics
                Mqtt5BlockingClient pubB = publisher(b, "island-pub-b");
                Acks.assertAccepted(Acks.puback(pubB, "isl/live", "on the island"));
                assertEquals("on the island", text(islander.next()));
                retain(pubB, "island/kept", "written on the island"); // newer than a's value
                pubB.publishWith().topic("island/cleared").retain(true).send(); // a clear, newer too
                try (Sub dupOnB = new Sub(b, "island-dup")) { // the same client id on both sides
                    a.resume();
                    Integer reason = dupOnA.disconnects.poll(30, java.util.concurrent.TimeUnit.SECONDS);
                    assertEquals(0x8E, reason, "the earlier connection (on a) is taken over after the heal");
                    assertTrue(dupOnB.disconnects.isEmpty(), "the later one (on b) stays");
                }
                await().atMost(Duration.ofSeconds(40)).untilAsserted(() -> {
                    assertEquals(List.of("a", "b"), cluster.running(a));
                    assertFalse(cluster.netsplit(a).path("in_netsplit").asBoolean());
                    assertFalse(cluster.netsplit(b).path("in_netsplit").asBoolean());
                });
                // the newer write wins on every node; the newer clear too
                await().atMost(Duration.ofSeconds(15))
                        .untilAsserted(() -> assertEquals(
                                Arrays.asList("written on the island", "written on the island", null, null),
                                Arrays.asList(
                                        retained(a, "island/kept"),
                                        retained(b, "island/kept"),
                                        retained(a, "island/cleared"),
                                        retained(b, "island/cleared"))));
                awaitLine("heal reconciled retained messages: 2 topics differed between the sides", a, b);
                awaitLine("heal reconciled client ids", a, b);
                // the island's subscription is reachable from a again
                Mqtt5BlockingClient pubA2 = publisher(a, "island-pub-a2");
                assertCrosses(pubA2, islander, "isl/healed/probe", "isl/after", "a to the island");
                pubA2.disconnect();
                pubB.disconnect();
            }
        }
    }

    private static void retain(Mqtt5BlockingClient pub, String topic, String payload) {
        pub.publishWith()
                .topic(topic)
                .qos(MqttQos.AT_LEAST_ONCE)
                .retain(true)
                .payload(bytes(payload))
                .send();
    }

    /** The payload {@code node} holds retained for {@code topic} ({@code retain show}); null when none. */
    private String retained(BrokerProcess node, String topic) {
        for (JsonNode row : cluster.admin(node)
                .get("/api/v1/retain/show?--topic=" + topic)
                .json()
                .path("table")) {
            if (row.path("topic").asText().equals(topic)) {
                return row.path("payload").asText();
            }
        }
        return null;
    }

    /** What {@code bin/admin cluster show} prints for {@code node}. */
    private String adminClusterShow(BrokerProcess node) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(
                Path.of("../bin/admin").toAbsolutePath().normalize().toString(),
                "--url",
                "http://127.0.0.1:" + node.httpPort(),
                "--api-key",
                cluster.admin(node).key(),
                "cluster",
                "show");
        pb.environment().put("HOOKLINE_CLASSPATH", System.getProperty("java.class.path"));
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    /** Waits until one of {@code nodes} logged a line containing {@code text}. */
    private static void awaitLine(String text, BrokerProcess... nodes) {
        await().atMost(Duration.ofSeconds(20))
                .until(() ->
                        Arrays.stream(nodes).anyMatch(n -> n.output().stream().anyMatch(l -> l.contains(text))));
    }

    private static List<String> strings(JsonNode array) {
        java.util.ArrayList<String> out = new java.util.ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    private static Mqtt5BlockingClient client5(BrokerProcess node, String id) {
        return Clients.v5(node, id).toBlocking();
    }

    private static Mqtt3BlockingClient v3client(BrokerProcess node, String id) {
        return Clients.v3(node, id).toBlocking();
    }

    private static Mqtt3BlockingClient v3(BrokerProcess node, String id) {
        Mqtt3BlockingClient c = v3client(node, id);
        c.connect();
        return c;
    }
}
