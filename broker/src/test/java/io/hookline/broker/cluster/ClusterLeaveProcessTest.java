package io.hookline.broker.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.datatypes.MqttUtf8String;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient.Mqtt5Publishes;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5DisconnectException;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.hookline.broker.testsupport.Acks;
import io.hookline.broker.testsupport.AdminHttp;
import io.hookline.broker.testsupport.BrokerProcess;
import io.hookline.broker.testsupport.Clients;
import io.hookline.broker.testsupport.ClusterNodes;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code cluster leave} beyond a plain leave (docs/cluster.md, "Membership operations"), on broker
 * processes: a node killed with SIGKILL is forgotten on request, so the survivor of two nodes
 * holds the quorum again and serves; and {@code --migrate_sessions} sends a node's clients away,
 * moves its persistent sessions (with their queues) to the other node, then leaves.
 */
class ClusterLeaveProcessTest {

    @RegisterExtension
    final ClusterNodes cluster = new ClusterNodes(); // each test's nodes, killed after it

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES) // broker processes on a busy machine
    void aDeadNodeIsForgottenWithClusterLeaveAndTheSurvivorServesAgain() throws Exception {
        BrokerProcess a = cluster.start("a");
        BrokerProcess b = cluster.start("b");
        await().atMost(Duration.ofSeconds(30)).until(() -> cluster.running(b).equals(List.of("a", "b")));

        a.close(); // SIGKILL: of two nodes, b without the first-named one has no quorum
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            JsonNode split = cluster.netsplit(b);
            assertTrue(split.path("in_netsplit").asBoolean(), split.toString());
            assertTrue(split.path("unreachable").has("a"), split.toString());
        });
        assertEquals(0x88, connackCode(b, "forget-before"), "v5 CONNECT refused: server unavailable");

        // a dead node's sessions cannot be moved: refused, and nothing is forgotten
        ClusterNodes.Admin refused = cluster.binAdmin(b, "cluster", "leave", "node=a", "--migrate_sessions");
        assertEquals(1, refused.exit(), refused.out());
        assertTrue(refused.out().contains("node 'a' is unreachable"), refused.out());
        assertTrue(cluster.netsplit(b).path("in_netsplit").asBoolean(), "still in the netsplit");

        ClusterNodes.Admin left = cluster.binAdmin(b, "cluster", "leave", "node=a");
        assertEquals(0, left.exit(), left.out());
        assertTrue(left.out().contains("node 'a' was unreachable and is forgotten on nodes [b]"), left.out());
        JsonNode split = cluster.netsplit(b);
        assertFalse(split.path("in_netsplit").asBoolean(), split.toString());
        assertEquals(List.of("b"), strings(split.path("known")), split.toString());
        assertEquals(0, split.path("unreachable").size(), split.toString());
        assertTrue(b.awaitOutput("netsplit over"), String.join("\n", b.output()));
        assertEquals(0, connackCode(b, "forget-after"), "CONNECT accepted: b holds the quorum again");

        ClusterNodes.Admin again = cluster.binAdmin(b, "cluster", "leave", "node=a");
        assertEquals(1, again.exit(), again.out());
        assertTrue(again.out().contains("no node 'a'"), "forgotten: unknown now; " + again.out());
    }

    /**
     * Asked on the other node (a: through Hazelcast's executor, {@code LeaveTask}) and on the
     * leaving node itself (b: {@code MemberOps.leave} runs the moves and the leave in place): the
     * same outcome.
     */
    @ParameterizedTest(name = "asked on {0}")
    @ValueSource(strings = {"a", "b"})
    @Timeout(value = 3, unit = TimeUnit.MINUTES) // broker processes on a busy machine
    void leaveWithMigrateSessionsSendsTheClientsAwayThenMovesTheQueuedSessionsThenLeaves(String askedOn)
            throws Exception {
        BrokerProcess a = cluster.start("a");
        BrokerProcess b = cluster.start("b");
        await().atMost(Duration.ofSeconds(30)).until(() -> cluster.running(a).equals(List.of("a", "b")));
        Mqtt5BlockingClient pub = client(a, "leave-pub");
        pub.connect();

        // a persistent session on b, offline, with QoS 1 messages queued (published on a)
        Mqtt5BlockingClient queued = client(b, "leave-queued");
        queued.connectWith().cleanStart(true).sessionExpiryInterval(300).send();
        try (Mqtt5Publishes probes = queued.publishes(MqttGlobalPublishFilter.ALL)) {
            queued.subscribeWith()
                    .topicFilter("leave/q/#")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .send();
            await().atMost(Duration.ofSeconds(20))
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> {
                        pub.publishWith().topic("leave/q/probe").send(); // until a has b's route
                        return probes.receive(1, TimeUnit.MILLISECONDS).isPresent();
                    });
        }
        queued.disconnect();
        for (int i = 0; i < 50; i++) {
            pub.publishWith()
                    .topic("leave/q/x")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload(("m" + i).getBytes(StandardCharsets.UTF_8))
                    .send(); // PUBACK once b stored it
        }
        // a persistent session on b, connected
        CompletableFuture<Throwable> cut = new CompletableFuture<>();
        Mqtt5BlockingClient live = Clients.v5Builder(b, "leave-live")
                .addDisconnectedListener(ctx -> cut.complete(ctx.getCause()))
                .buildBlocking();
        live.connectWith().cleanStart(true).sessionExpiryInterval(300).send();
        live.subscribeWith().topicFilter("leave/live/#").send();

        ClusterNodes.Admin left =
                cluster.binAdmin(askedOn.equals("a") ? a : b, "cluster", "leave", "node=b", "--migrate_sessions");
        assertEquals(0, left.exit(), left.out());
        assertTrue(left.out().contains("node 'b' left the cluster"), left.out());
        assertTrue(left.out().contains("1 clients sent away, 2 sessions moved {a=2}"), left.out());
        // asked on b, the answer comes once b's member stopped; a drops it a moment later
        cluster.awaitRunning(a, Duration.ofSeconds(20), "a");
        AdminHttp.Answer alone = cluster.admin(b).get("/api/v1/cluster/show");
        assertEquals(409, alone.status(), alone.body());
        assertTrue(alone.body().contains("this node left its cluster"), alone.body());
        Mqtt5DisconnectException d = assertInstanceOf(Mqtt5DisconnectException.class, cut.get(20, TimeUnit.SECONDS));
        assertEquals(
                Mqtt5DisconnectReasonCode.USE_ANOTHER_SERVER, d.getMqttMessage().getReasonCode());
        assertEquals(
                "127.0.0.1:" + a.mqttPort(),
                d.getMqttMessage()
                        .getServerReference()
                        .map(MqttUtf8String::toString)
                        .orElseThrow());

        // b is out of the cluster now: what a has, it got from b's push before b left
        Mqtt5BlockingClient back = client(a, "leave-queued");
        try (Mqtt5Publishes inbox = back.publishes(MqttGlobalPublishFilter.ALL)) {
            assertTrue(
                    back.connectWith()
                            .cleanStart(false)
                            .sessionExpiryInterval(300)
                            .send()
                            .isSessionPresent(),
                    "the session is on a");
            int next = 0;
            while (next < 50) {
                Mqtt5Publish p = inbox.receive(20, TimeUnit.SECONDS)
                        .orElseThrow(() -> new AssertionError("queued messages missing on a"));
                if (!p.getTopic().toString().endsWith("/probe")) {
                    assertEquals("m" + next, new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8));
                    next++;
                }
            }
        }
        back.disconnect();
        Mqtt5BlockingClient liveBack = client(a, "leave-live");
        assertTrue(
                liveBack.connectWith()
                        .cleanStart(false)
                        .sessionExpiryInterval(300)
                        .send()
                        .isSessionPresent(),
                "the connected client's session moved too");
        liveBack.disconnect();
        pub.disconnect();
        assertTrue(b.awaitOutput("sessions pushed to the other nodes: 2 moved, 0 stayed here"));
        assertEquals(0, connackCode(b, "leave-after"), "b serves alone: its own clients are accepted");
    }

    private static Mqtt5BlockingClient client(BrokerProcess node, String id) {
        return Clients.v5(node, id).toBlocking();
    }

    private static int connackCode(BrokerProcess node, String id) {
        Mqtt5BlockingClient c = client(node, id);
        int code = Acks.connack(c::connect).getReasonCode().getCode();
        if (code == 0) {
            c.disconnect();
        }
        return code;
    }

    private static List<String> strings(JsonNode array) {
        java.util.ArrayList<String> out = new java.util.ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
