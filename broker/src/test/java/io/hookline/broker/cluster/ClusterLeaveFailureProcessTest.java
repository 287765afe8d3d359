package io.hookline.broker.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient.Mqtt5Publishes;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.hookline.broker.testsupport.AdminHttp;
import io.hookline.broker.testsupport.BrokerProcess;
import io.hookline.broker.testsupport.Clients;
import io.hookline.broker.testsupport.ClusterNodes;
import io.hookline.broker.testsupport.SmallDisk;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cluster leave node=NAME --migrate_sessions} when a session does not move (docs/cluster.md,
 * "Membership operations"), asked on NAME itself, on broker processes: the node that cannot give
 * its sessions away stays in the cluster, serves, and still has every session with its queue.
 * A move fails for real: the receiving node's store is on a full disk (502, the answer names the
 * session and the receiving node's reason), or the receiving node is frozen (SIGSTOP) past the
 * leave's {@code timeout} (504).
 */
class ClusterLeaveFailureProcessTest {

    @TempDir
    Path tmp;

    private ClusterNodes cluster;

    @RegisterExtension
    final SmallDisk disk = new SmallDisk(() -> cluster); // after @AfterEach: the nodes are gone first

    @AfterEach
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES) // broker processes on a busy machine
    void aSessionTheOtherNodeCannotStoreKeepsTheNodeInTheClusterWith502() throws Exception {
        cluster = new ClusterNodes(tmp);
        // the queue below fits in an offline session (by default 4 MB), not on b's disk
        BrokerProcess a = cluster.start("a", "max_offline_bytes", "64MB");
        disk.mount(Files.createDirectories(tmp.resolve("b").resolve("data"))); // b's store: 3 MB
        BrokerProcess b = cluster.start("b", "max_offline_bytes", "64MB");
        cluster.awaitRunning(a, Duration.ofSeconds(30), "a", "b");

        int queued = 20; // of 256 KB each: 5 MB, more than b's disk takes
        queueOffline(a, "fail-q", queued);

        AdminHttp.Answer refused = leave(a, "node=a&--migrate_sessions=true");
        assertEquals(502, refused.status(), refused.body());
        String why = refused.error();
        assertTrue(why.contains("1 of 1 persistent sessions could not be moved"), why);
        assertTrue(why.contains("'fail-q': node 'b' gave up: not stored"), "names the session and the reason: " + why);
        assertTrue(why.contains("No space left on device"), "b's own reason travels back: " + why);
        assertTrue(why.contains("node 'a' stays in the cluster"), why);
        assertTrue(a.awaitOutput("sessions pushed to the other nodes: 0 moved, 1 stayed here"));

        assertStillServes(a, b, "fail-q", queued);
    }

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES) // broker processes on a busy machine
    void movesThatDoNotEndWithinTheTimeoutKeepTheNodeInTheClusterWith504() throws Exception {
        cluster = new ClusterNodes(tmp);
        // a frozen node stays a member for 60 s: the moves hang rather than fail
        BrokerProcess a = cluster.start("a", "cluster.failure_timeout", "60s");
        BrokerProcess b = cluster.start("b", "cluster.failure_timeout", "60s");
        cluster.awaitRunning(a, Duration.ofSeconds(30), "a", "b");
        int queued = 5;
        queueOffline(a, "slow-q", queued);

        AdminHttp.Answer bad = leave(a, "node=a&--migrate_sessions=true&--timeout=0");
        assertEquals(400, bad.status(), bad.body());
        assertTrue(bad.error().contains("timeout: must be at least 1 second, not 0"), bad.body());

        b.freeze();
        AdminHttp.Answer late;
        try {
            late = leave(a, "node=a&--migrate_sessions=true&--timeout=2");
        } finally {
            b.resume();
        }
        assertEquals(504, late.status(), late.body());
        assertTrue(late.error().contains("sessions still moving after 2s: node 'a' stays in the cluster"), late.body());

        // the move goes on once b runs again; a stays a member all the same
        assertTrue(a.awaitOutput("sessions pushed to the other nodes: "));
        assertStillServes(a, b, "slow-q", queued);
    }

    /** {@code POST /api/v1/cluster/leave?QUERY} on {@code node}. */
    private AdminHttp.Answer leave(BrokerProcess node, String query) {
        return cluster.admin(node).post("/api/v1/cluster/leave?" + query);
    }

    /**
     * A persistent session {@code id} on {@code node}, offline, with {@code n} QoS 1 messages of
     * 256 KB queued (first byte: the index), published on the same node.
     */
    private static void queueOffline(BrokerProcess node, String id, int n) {
        Mqtt5BlockingClient keeper = Clients.v5(node, id).toBlocking();
        keeper.connectWith().cleanStart(true).sessionExpiryInterval(600).send();
        keeper.subscribeWith().topicFilter(id + "/#").qos(MqttQos.AT_LEAST_ONCE).send();
        keeper.disconnect();
        Mqtt5BlockingClient pub = Clients.v5(node, id + "-pub").toBlocking();
        pub.connect();
        byte[] big = new byte[256 * 1024];
        for (int i = 0; i < n; i++) {
            big[0] = (byte) i;
            pub.publishWith()
                    .topic(id + "/m")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload(big)
                    .send(); // PUBACK: stored in the session's queue
        }
        pub.disconnect();
    }

    /**
     * {@code a} is still a member (both nodes list both), routes to b (a subscriber of a clean
     * session there: b's store is not needed, it may be the full one), and the session
     * {@code id} is whole: present on reconnecting to {@code a}, its {@code n} messages in order.
     */
    private void assertStillServes(BrokerProcess a, BrokerProcess b, String id, int n) throws Exception {
        assertEquals(List.of("a", "b"), cluster.running(a));
        assertEquals(List.of("a", "b"), cluster.running(b));
        Mqtt5BlockingClient pub = ClusterProcessTest.publisher(a, id + "-pub-a");
        try (ClusterProcessTest.Sub onB = new ClusterProcessTest.Sub(b, id + "-sub-b")) {
            onB.subscribe("after/#", 1, 0, false, false);
            ClusterProcessTest.assertCrosses(pub, onB, "after/probe", "after/x", "a to b");
        }
        pub.disconnect();

        Mqtt5BlockingClient back = Clients.v5(a, id).toBlocking();
        try (Mqtt5Publishes inbox = back.publishes(MqttGlobalPublishFilter.ALL)) {
            assertTrue(
                    back.connectWith()
                            .cleanStart(false)
                            .sessionExpiryInterval(600)
                            .send()
                            .isSessionPresent(),
                    "the session is still there");
            for (int i = 0; i < n; i++) {
                Mqtt5Publish p = inbox.receive(30, TimeUnit.SECONDS)
                        .orElseThrow(() -> new AssertionError("queued messages missing"));
                assertEquals((byte) i, p.getPayloadAsBytes()[0], "queued message " + i + " in order");
            }
        }
        back.disconnect();
    }
}
