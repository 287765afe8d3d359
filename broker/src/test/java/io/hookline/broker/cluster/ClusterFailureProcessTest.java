package io.hookline.broker.cluster;

import static io.hookline.broker.cluster.ClusterProcessTest.assertCrosses;
import static io.hookline.broker.cluster.ClusterProcessTest.awaitRoute;
import static io.hookline.broker.cluster.ClusterProcessTest.bytes;
import static io.hookline.broker.cluster.ClusterProcessTest.publisher;
import static io.hookline.broker.cluster.ClusterProcessTest.text;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.hookline.broker.cluster.ClusterProcessTest.Sub;
import io.hookline.broker.testsupport.BrokerProcess;
import io.hookline.broker.testsupport.ClusterNodes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Three broker processes: a message goes only to the nodes with a match; one node is killed with
 * SIGKILL, the others keep serving and drop its routes.
 */
class ClusterFailureProcessTest {

    @RegisterExtension
    final ClusterNodes cluster = new ClusterNodes(); // each test's nodes, killed after it

    @Test
    void aKilledNodeIsNoticedItsRoutesGoAndTheOthersKeepServing() throws Exception {
        BrokerProcess a = cluster.start("a");
        BrokerProcess b = cluster.start("b");
        BrokerProcess c = cluster.start("c");
        cluster.awaitRunning(a, Duration.ofSeconds(20), "a", "b", "c");
        Mqtt5BlockingClient pub = publisher(a, "kill-pub");
        try (Sub onlyC = new Sub(c, "only-c")) { // only the nodes with a match get a message
            onlyC.subscribe("only-c/#", 1, 0, false, false);
            awaitRoute(pub, onlyC, "only-c/probe");
            for (int i = 0; i < 20; i++) {
                pub.publishWith()
                        .topic("only-c/x")
                        .qos(MqttQos.AT_LEAST_ONCE)
                        .payload(bytes("" + i))
                        .send();
            }
            for (int i = 0; i < 20; i++) {
                assertEquals("" + i, text(onlyC.next()));
            }
            JsonNode rows = cluster.show(a);
            assertEquals(0, row(rows, "b").path("messages_in").asLong(), "b has no subscriber: nothing went to it");
            assertTrue(row(rows, "c").path("messages_in").asLong() >= 21, rows.toString());
            assertTrue(row(rows, "a").path("messages_out").asLong() >= 21, rows.toString());
        }
        try (Sub onB = new Sub(b, "kill-sub-b");
                Sub onC = new Sub(c, "kill-sub-c")) {
            onB.subscribe("kill/#", 1, 0, false, false);
            onC.subscribe("kill/#", 1, 0, false, false);
            awaitRoute(pub, onB, "kill/probe");
            awaitRoute(pub, onC, "kill/probe");

            b.process().destroyForcibly(); // SIGKILL
            b.process().waitFor();

            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                JsonNode rows = cluster.show(a);
                List<String> nodes = new ArrayList<>();
                rows.forEach(r -> nodes.add(
                        r.path("node").asText() + ":" + r.path("running").asBoolean()));
                assertEquals(List.of("a:true", "c:true"), nodes, "b gone, and no route of it left on a");
            });

            pub.publishWith()
                    .topic("kill/after")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload(bytes("after"))
                    .send();
            assertEquals("after", text(onC.next()), "a and c still serve each other");
            Mqtt5BlockingClient pubC = publisher(c, "kill-pub-c");
            try (Sub onA = new Sub(a, "kill-sub-a")) {
                onA.subscribe("kill2/#", 1, 0, false, false);
                assertCrosses(pubC, onA, "kill2/probe", "kill2/x", "c to a");
            }
            pubC.disconnect();
        }
        pub.disconnect();
    }

    private static JsonNode row(JsonNode rows, String node) {
        for (JsonNode r : rows) {
            if (r.path("node").asText().equals(node)) {
                return r;
            }
        }
        throw new AssertionError("no row for " + node + " in " + rows);
    }
}
