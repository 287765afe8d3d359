package io.hookline.broker.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.datatypes.MqttUtf8String;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5DisconnectException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.hookline.broker.testsupport.AdminHttp;
import io.hookline.broker.testsupport.BrokerProcess;
import io.hookline.broker.testsupport.Clients;
import io.hookline.broker.testsupport.ClusterNodes;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Membership operations and offloading on broker processes (docs/cluster.md, "Membership
 * operations"): a node started alone joins through {@code bin/admin cluster join} keeping its
 * client, another node makes it leave (its MQTT 5 client is sent elsewhere with 0x9C), an
 * overloaded node redirects new MQTT 5 clients and serves 3.1.1 ones, {@code session disconnect
 * --redirect}, the node label on /metrics and {@code $SYS/<node>/} read from the other node.
 * Nodes a and b are shared; node c belongs to the join/leave test, which also joins it again
 * and has it leave on its own request.
 */
class ClusterOpsProcessTest {

    @RegisterExtension
    static final ClusterNodes cluster = ClusterNodes.perClass(); // killed after the last test

    static BrokerProcess a;
    static BrokerProcess b;

    @BeforeAll
    static void startTwoNodes() throws Exception {
        a = cluster.start("a", "systree_interval", "1s");
        b = cluster.start("b", "systree_interval", "1s");
        cluster.awaitRunning(a, Duration.ofSeconds(30), "a", "b");
    }

    @Test
    void nodeStartedAloneJoinsWithBinAdminKeepsItsClientAndLeavesWhenAnotherNodeSaysSo() throws Exception {
        BrokerProcess c = cluster.startAlone("c");
        try {
            CompletableFuture<Throwable> cut = new CompletableFuture<>();
            Mqtt5BlockingClient sub = v5(c, "join-sub", cut);
            sub.connect();
            var received = sub.publishes(MqttGlobalPublishFilter.ALL);
            sub.subscribeWith()
                    .topicFilter("ops/join/#")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .send();

            ClusterNodes.Admin joined = cluster.binAdmin(c, "cluster", "join", "discovery-node=" + cluster.listen(a));
            assertEquals(0, joined.exit(), joined.out());
            assertTrue(joined.out().contains("joined the cluster of"), joined.out());
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> cluster.running(a).equals(List.of("a", "b", "c")));

            // the client on c stayed connected, and its subscription became a route of the cluster
            Mqtt5BlockingClient pub = v5(a, "join-pub", new CompletableFuture<>());
            pub.connect();
            assertTrue(delivered(pub, received, "ops/join/x"), "a message from a reaches the client c kept");
            assertTrue(sub.getState().isConnected());

            ClusterNodes.Admin left = cluster.binAdmin(a, "cluster", "leave", "node=c");
            assertEquals(0, left.exit(), left.out());
            assertTrue(left.out().contains("node 'c' left the cluster"), left.out());
            assertEquals(List.of("a", "b"), cluster.running(a));
            Mqtt5DisconnectException d =
                    assertInstanceOf(Mqtt5DisconnectException.class, cut.get(20, TimeUnit.SECONDS));
            assertEquals(
                    Mqtt5DisconnectReasonCode.USE_ANOTHER_SERVER,
                    d.getMqttMessage().getReasonCode());
            String reference = d.getMqttMessage()
                    .getServerReference()
                    .map(MqttUtf8String::toString)
                    .orElseThrow();
            assertTrue(
                    Set.of(mqtt(a), mqtt(b)).contains(reference),
                    "sent to a node still in the cluster, got " + reference);

            // c does not come back on its own, and says why cluster show has nothing to list
            AdminHttp.Answer show = cluster.admin(c).get("/api/v1/cluster/show");
            assertEquals(409, show.status(), show.body());
            assertTrue(show.error().contains("left its cluster"), show.body());
            assertEquals(List.of("a", "b"), cluster.running(b));

            // told to, it joins again (REST this time, through b); then it leaves on its own request
            AdminHttp.Answer again = cluster.admin(c).post("/api/v1/cluster/join?discovery-node=" + cluster.listen(b));
            assertEquals(200, again.status(), again.body());
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> cluster.running(a).equals(List.of("a", "b", "c")));
            Mqtt5BlockingClient sub2 = v5(c, "rejoin-sub", new CompletableFuture<>());
            sub2.connect();
            var received2 = sub2.publishes(MqttGlobalPublishFilter.ALL);
            sub2.subscribeWith()
                    .topicFilter("ops/rejoin/#")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .send();
            assertTrue(delivered(pub, received2, "ops/rejoin/x"), "after a second join, messages reach c again");
            pub.disconnect();
            AdminHttp.Answer self = cluster.admin(c).post("/api/v1/cluster/leave?node=c");
            assertEquals(200, self.status(), self.body());
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> cluster.running(a).equals(List.of("a", "b")));
        } finally {
            c.close();
        }
    }

    @Test
    void badMembershipRequestsAreRefusedNamingWhatIsWrong() throws Exception {
        AdminHttp api = cluster.admin(a);
        AdminHttp.Answer unknown = api.post("/api/v1/cluster/leave?node=nope");
        assertEquals(404, unknown.status(), unknown.body());
        assertTrue(unknown.error().contains("'nope'"), unknown.body());

        AdminHttp.Answer badAddress = api.post("/api/v1/cluster/join?discovery-node=127.0.0.1");
        assertEquals(400, badAddress.status(), badAddress.body());
        assertTrue(badAddress.error().contains("discovery-node"), badAddress.body());

        AdminHttp.Answer migrate =
                api.postJson("/api/v1/cluster/leave", "{\"node\":\"nope\",\"migrate_sessions\":true}");
        assertEquals(404, migrate.status(), migrate.body());
        assertTrue(migrate.error().contains("'nope'"), migrate.body());

        AdminHttp.Answer already = api.post("/api/v1/cluster/join?discovery-node=" + cluster.listen(b));
        assertEquals(200, already.status(), already.body());
        assertTrue(already.body().contains("already"), already.body());
        assertEquals(List.of("a", "b"), cluster.running(a), "nothing changed");
    }

    @Test
    void overloadedNodeRedirectsNewMqtt5ClientsToTheLeastLoadedNodeAndServes311Ones() throws Exception {
        AdminHttp api = cluster.admin(a);
        assertEquals(
                200,
                api.post("/api/v1/config/set?cluster.offload.max_connections=1").status());
        try {
            Mqtt3BlockingClient first = v3(a, "offload-3a");
            first.connect();
            // a knows b's MQTT address and that b has no client (the directory is refreshed each second)
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                JsonNode nodes = api.get("/status/data").json().path("cluster").path("nodes");
                JsonNode rowB = nodes.get(1);
                assertEquals("b", rowB.path("node").asText(), nodes.toString());
                assertEquals(mqtt(b), rowB.path("mqtt").asText(), nodes.toString());
                assertEquals(0, rowB.path("connections").asInt(), nodes.toString());
                assertEquals(1, nodes.get(0).path("connections").asInt(), nodes.toString());
            });

            Mqtt5BlockingClient v5 = v5(a, "offload-5", new CompletableFuture<>());
            Mqtt5ConnAckException refused = assertThrows(Mqtt5ConnAckException.class, v5::connect);
            assertEquals(
                    Mqtt5ConnAckReasonCode.USE_ANOTHER_SERVER,
                    refused.getMqttMessage().getReasonCode());
            assertEquals(
                    mqtt(b),
                    refused.getMqttMessage()
                            .getServerReference()
                            .map(MqttUtf8String::toString)
                            .orElseThrow());

            Mqtt3BlockingClient second = v3(a, "offload-3b");
            second.connect(); // 3.1.1 has no redirect: served here
            assertTrue(second.getState().isConnected());
            second.disconnect();
            first.disconnect();
        } finally {
            assertEquals(
                    200,
                    api.post("/api/v1/config/set?cluster.offload.max_connections=0")
                            .status());
        }
    }

    @Test
    void sessionDisconnectRedirectSendsAnMqtt5ClientToTheNamedNode() throws Exception {
        AdminHttp api = cluster.admin(a);
        CompletableFuture<Throwable> cut = new CompletableFuture<>();
        Mqtt5BlockingClient v5 = v5(a, "redirect-5", cut);
        v5.connect();
        Mqtt3BlockingClient v3 = v3(a, "redirect-3");
        v3.connect();
        await().atMost(Duration.ofSeconds(20))
                .until(() -> mqtt(b).equals(api.get("/status/data")
                        .json()
                        .path("cluster")
                        .path("nodes")
                        .get(1)
                        .path("mqtt")
                        .asText()));

        AdminHttp.Answer old =
                api.postJson("/api/v1/session/disconnect", "{\"client-id\":\"redirect-3\",\"redirect\":\"b\"}");
        assertEquals(400, old.status(), old.body());
        assertTrue(old.error().contains("cannot be redirected"), old.body());
        assertTrue(v3.getState().isConnected(), "refused: nothing done");

        AdminHttp.Answer nowhere =
                api.postJson("/api/v1/session/disconnect", "{\"client-id\":\"redirect-5\",\"redirect\":\"nope\"}");
        assertEquals(404, nowhere.status(), nowhere.body());
        assertTrue(nowhere.error().contains("'nope'"), nowhere.body());

        AdminHttp.Answer moved =
                api.postJson("/api/v1/session/disconnect", "{\"client-id\":\"redirect-5\",\"redirect\":\"b\"}");
        assertEquals(200, moved.status(), moved.body());
        Mqtt5DisconnectException d = assertInstanceOf(Mqtt5DisconnectException.class, cut.get(20, TimeUnit.SECONDS));
        assertEquals(
                Mqtt5DisconnectReasonCode.USE_ANOTHER_SERVER, d.getMqttMessage().getReasonCode());
        assertEquals(
                mqtt(b),
                d.getMqttMessage()
                        .getServerReference()
                        .map(MqttUtf8String::toString)
                        .orElseThrow());
        v3.disconnect();
    }

    @Test
    void metricsCarryTheNodeLabelAndEachNodesSysTreeIsReadOnTheOther() throws Exception {
        for (BrokerProcess node : List.of(a, b)) {
            String name = node == a ? "a" : "b";
            AdminHttp.Answer metrics = cluster.admin(node).get("/metrics");
            assertEquals(200, metrics.status());
            assertTrue(
                    metrics.body().contains("node=\"" + name + "\""),
                    "the series of node " + name + " carry its label");
        }
        Mqtt5BlockingClient reader = v5(b, "sys-reader", new CompletableFuture<>());
        reader.connect();
        var sys = reader.publishes(MqttGlobalPublishFilter.ALL);
        reader.subscribeWith().topicFilter("$SYS/a/broker/uptime").send();
        Mqtt5Publish p = sys.receive(20, TimeUnit.SECONDS).orElseThrow(() -> new AssertionError("no $SYS/a/ on b"));
        assertEquals("$SYS/a/broker/uptime", p.getTopic().toString());
        Long.parseLong(new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8));
        reader.disconnect();
    }

    /** Publishes on {@code topic} until {@code received} gets it (the route reaches the publisher's node shortly). */
    private static boolean delivered(Mqtt5BlockingClient pub, Mqtt5BlockingClient.Mqtt5Publishes received, String topic)
            throws InterruptedException {
        for (int i = 0; i < 200; i++) {
            pub.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).send();
            if (received.receive(100, TimeUnit.MILLISECONDS).isPresent()) {
                return true;
            }
        }
        return false;
    }

    private static String mqtt(BrokerProcess node) {
        return "127.0.0.1:" + node.mqttPort();
    }

    private static Mqtt5BlockingClient v5(BrokerProcess node, String id, CompletableFuture<Throwable> cut) {
        return Clients.v5Builder(node, id)
                .addDisconnectedListener(ctx -> cut.complete(ctx.getCause()))
                .buildBlocking();
    }

    private static Mqtt3BlockingClient v3(BrokerProcess node, String id) {
        return Clients.v3(node, id).toBlocking();
    }
}
