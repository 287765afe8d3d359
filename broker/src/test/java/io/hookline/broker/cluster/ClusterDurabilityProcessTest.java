package io.hookline.broker.cluster;

import static io.hookline.broker.cluster.ClusterProcessTest.awaitRoute;
import static io.hookline.broker.cluster.ClusterProcessTest.bytes;
import static io.hookline.broker.cluster.ClusterProcessTest.publisher;
import static io.hookline.broker.cluster.ClusterProcessTest.text;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.hookline.broker.cluster.ClusterProcessTest.Sub;
import io.hookline.broker.testsupport.BrokerProcess;
import io.hookline.broker.testsupport.ClusterNodes;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The durability contract across nodes: a QoS 1 PUBLISH on node a for a persistent subscriber
 * that is offline on node b is acknowledged only once b has it in its write-ahead log. b is
 * killed with SIGKILL right after the publisher got its last PUBACK, started again, and the
 * subscriber gets every acknowledged message. The same for a shared group whose only member (a
 * persistent session, offline) is on b: the message crosses as a SHARED frame, acknowledged by b
 * after its store write as a forwarded PUBLISH is.
 */
class ClusterDurabilityProcessTest {

    private static final int MESSAGES = 500;
    /** An offline queue that holds 500 messages of 16 KiB (the default max_offline_bytes is 4 MB). */
    private static final String[] BIG_QUEUE = {"max_offline_bytes", "64MB"};

    @RegisterExtension
    final ClusterNodes cluster = new ClusterNodes(); // each test's nodes, killed after it

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES) // three broker starts and 500 messages on a busy machine
    void everyAcknowledgedMessageSurvivesTheSubscribersNodeKilled() throws Exception {
        BrokerProcess a = cluster.start("a");
        BrokerProcess b = cluster.start("b");
        cluster.awaitRunning(a, Duration.ofSeconds(20), "a", "b");

        Mqtt5BlockingClient pub = publisher(a, "dur-pub");
        try (Sub sub = new Sub(b, "dur-sub", false)) { // a persistent session on b
            sub.subscribe("dur/#", 1, 0, false, false);
            awaitRoute(pub, sub, "dur/probe");
            sub.disconnect(); // offline: what comes now is queued on b's disk
        }

        BrokerProcess b2 = publishThenKillAndRestartB(pub, a, b, "dur/x", 0);
        Set<Integer> got = new TreeSet<>();
        try (Sub sub = new Sub(b2, "dur-sub", false)) {
            while (got.size() < MESSAGES) {
                MqttMessage m = sub.poll(20);
                assertNotNull(m, "acknowledged but lost: " + (MESSAGES - got.size()) + " of " + MESSAGES);
                got.add(Integer.parseInt(text(m)));
            }
        }
        assertEquals(MESSAGES, got.size());
        assertTrue(got.contains(0) && got.contains(MESSAGES - 1), got.toString());
        pub.disconnect();
    }

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES) // three broker starts, 8 MB published and read back on a busy machine
    void everyAcknowledgedMessageForASharedGroupsOnlyMemberSurvivesItsNodeKilled() throws Exception {
        BrokerProcess a = cluster.start("a");
        BrokerProcess b = cluster.start("b", BIG_QUEUE);
        await().atMost(Duration.ofSeconds(20)).until(() -> cluster.running(a).equals(List.of("a", "b")));

        Mqtt5BlockingClient pub = publisher(a, "sdur-pub");
        try (Sub member = new Sub(b, "sdur-member", false)) { // the group's only member: a persistent session on b
            member.subscribe("$share/g/sdur/#", 1, 0, false, false);
            awaitRoute(pub, member, "sdur/probe"); // a knows b's member
            member.disconnect(); // offline: the group's messages are queued on b's disk
        }

        // 16 KiB each: b has megabytes to write when the last PUBACK goes out, unless the PUBACK waits for it
        BrokerProcess b2 = publishThenKillAndRestartB(pub, a, b, "sdur/x", 16 * 1024, BIG_QUEUE);
        Set<Integer> got = new TreeSet<>();
        try (Sub member = new Sub(b2, "sdur-member", false)) {
            while (got.size() < MESSAGES) {
                MqttMessage m = member.poll(20);
                assertNotNull(m, "acknowledged but lost: " + (MESSAGES - got.size()) + " of " + MESSAGES);
                got.add(Integer.parseInt(text(m).trim()));
            }
        }
        assertEquals(MESSAGES, got.size());
        pub.disconnect();
    }

    /**
     * Publishes MESSAGES QoS 1 messages on a (the number, padded with spaces to {@code size}
     * bytes), kills b with SIGKILL right after the last PUBACK, starts it again.
     */
    private BrokerProcess publishThenKillAndRestartB(
            Mqtt5BlockingClient pub, BrokerProcess a, BrokerProcess b, String topic, int size, String... bConfig)
            throws Exception {
        Mqtt5AsyncClient async = pub.toAsync();
        CompletableFuture<?>[] acks = new CompletableFuture<?>[MESSAGES];
        for (int i = 0; i < MESSAGES; i++) {
            acks[i] = async.publishWith()
                    .topic(topic)
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload(bytes(String.format("%-" + Math.max(1, size) + "s", i)))
                    .send();
        }
        CompletableFuture.allOf(acks).get(30, TimeUnit.SECONDS);
        b.process().destroyForcibly(); // SIGKILL right after the last PUBACK
        b.process().waitFor();

        await().atMost(Duration.ofSeconds(30)).until(() -> cluster.running(a).equals(List.of("a")));
        BrokerProcess b2 = cluster.start("b", bConfig); // the same data directory
        await().atMost(Duration.ofSeconds(30)).until(() -> cluster.running(a).equals(List.of("a", "b")));
        return b2;
    }
}
