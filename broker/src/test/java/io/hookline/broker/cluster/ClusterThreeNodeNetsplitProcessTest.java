package io.hookline.broker.cluster;

import static io.hookline.broker.cluster.ClusterProcessTest.assertCrosses;
import static io.hookline.broker.cluster.ClusterProcessTest.awaitRoute;
import static io.hookline.broker.cluster.ClusterProcessTest.bytes;
import static io.hookline.broker.cluster.ClusterProcessTest.publisher;
import static io.hookline.broker.cluster.ClusterProcessTest.text;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.hookline.broker.cluster.ClusterProcessTest.Sub;
import io.hookline.broker.testsupport.Acks;
import io.hookline.broker.testsupport.BrokerProcess;
import io.hookline.broker.testsupport.ClusterNodes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A netsplit of three broker processes (docs/cluster.md, "Netsplits"): node c is frozen with
 * SIGSTOP; a and b hold the majority and keep serving. c resumes with SIGCONT: alone, before it
 * merges, it refuses CONNECT (0x88) when the test catches it in that window; in every case it
 * merges, logs the reconciliation counts, its subscriber gets what is published on a, and a
 * shared group with members on a and c delivers each message to exactly one member.
 */
class ClusterThreeNodeNetsplitProcessTest {

    @RegisterExtension
    final ClusterNodes cluster = new ClusterNodes(); // each test's nodes, killed after it

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES) // broker processes on a busy machine
    void theMajorityServesWhileOneOfThreeIsFrozenAndAfterTheHealRoutesAndSharedGroupsSpanAllThree() throws Exception {
        String[] keys = {"cluster.netsplit.heal_check", "2s", "shared_subscription_policy", "round_robin"};
        BrokerProcess a = cluster.start("a", keys);
        BrokerProcess b = cluster.start("b", keys);
        BrokerProcess c = cluster.start("c", keys);
        await().atMost(Duration.ofSeconds(30)).until(() -> cluster.running(a).equals(List.of("a", "b", "c")));
        try (Sub onC = new Sub(c, "three-sub-c");
                Sub shareA = new Sub(a, "three-share-a");
                Sub shareC = new Sub(c, "three-share-c")) {
            onC.subscribe("three/#", 1, 0, false, false);
            shareA.subscribe("$share/g/shared/#", 1, 0, false, false);
            shareC.subscribe("$share/g/shared/#", 1, 0, false, false);
            Mqtt5BlockingClient pubA = publisher(a, "three-pub-a");
            awaitRoute(pubA, onC, "three/probe");

            c.freeze();
            for (BrokerProcess n : List.of(a, b)) {
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    JsonNode split = cluster.netsplit(n);
                    assertTrue(split.path("unreachable").has("c"), split.toString());
                    assertFalse(split.path("in_netsplit").asBoolean(), "two of three hold the majority: " + split);
                });
                assertEquals(0, connackCode(n, "three-during-" + n.mqttPort()), "CONNECT accepted on a and b");
            }

            c.resume();
            // alone until it merges: catch it refusing if the window is wide enough to see
            AtomicBoolean refused = new AtomicBoolean();
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> {
                        if (logged(c, "heal reconciled routes")) {
                            return true;
                        }
                        if (logged(c, "NETSPLIT: this node is cut off") && !logged(c, "netsplit over")) {
                            if (connackCode(c, "three-alone") == 0x88) {
                                refused.set(true);
                                return true;
                            }
                        }
                        return false;
                    });
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                for (BrokerProcess n : List.of(a, b, c)) {
                    assertEquals(List.of("a", "b", "c"), cluster.running(n));
                    JsonNode split = cluster.netsplit(n);
                    assertFalse(split.path("in_netsplit").asBoolean(), split.toString());
                    assertEquals(0, split.path("unreachable").size(), split.toString());
                }
            });
            // c was the smaller half: it merged into a and b and says what it reconciled
            assertTrue(c.awaitOutput("heal reconciled routes"), String.join("\n", c.output()));
            assertTrue(c.awaitOutput("heal reconciled client ids"), String.join("\n", c.output()));
            if (refused.get()) {
                assertTrue(c.awaitOutput("netsplit over"), "c left its netsplit when it merged");
            }

            // c's subscriber gets what is published on a
            Mqtt5BlockingClient pubA2 = publisher(a, "three-pub-a2");
            assertCrosses(pubA2, onC, "three/healed/probe", "three/after", "a to c");

            // the shared group spans a and c again: each message to exactly one member
            Mqtt5BlockingClient pubB = publisher(b, "three-pub-b");
            awaitRoute(pubB, shareC, "shared/probe"); // b sees c's member again
            int n = 20;
            for (int i = 0; i < n; i++) {
                pubB.publishWith()
                        .topic("shared/x")
                        .qos(MqttQos.AT_LEAST_ONCE)
                        .payload(bytes("s" + i))
                        .send();
            }
            List<String> got = new ArrayList<>();
            int[] perMember = new int[2];
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                perMember[0] += take(shareA, got);
                perMember[1] += take(shareC, got);
                return got.size() >= n;
            });
            assertEquals(n, got.size(), "as many deliveries as messages: " + got);
            assertEquals(n, new HashSet<>(got).size(), "every message once: " + got);
            assertTrue(perMember[0] > 0 && perMember[1] > 0, "round_robin over the members on a and c: " + got);
            assertNull(shareA.poll(1), "no message twice");
            assertNull(shareC.poll(1), "no message twice");
            pubA.disconnect();
            pubA2.disconnect();
            pubB.disconnect();
        }
    }

    /** Moves what {@code sub} has received so far (probes aside) into {@code into}; how many. */
    private static int take(Sub sub, List<String> into) throws InterruptedException {
        int n = 0;
        for (MqttMessage m = sub.poll(0); m != null; m = sub.poll(0)) {
            into.add(text(m));
            n++;
        }
        return n;
    }

    private static boolean logged(BrokerProcess node, String text) {
        return node.output().stream().anyMatch(l -> l.contains(text));
    }

    private static int connackCode(BrokerProcess node, String id) {
        Mqtt5BlockingClient c = MqttClient.builder()
                .useMqttVersion5()
                .identifier(id)
                .serverHost("127.0.0.1")
                .serverPort(node.mqttPort())
                .buildBlocking();
        int code = Acks.connack(c::connect).getReasonCode().getCode();
        if (code == 0) {
            c.disconnect();
        }
        return code;
    }
}
