package io.hookline.broker.cluster;

import static io.hookline.broker.cluster.ClusterProcessTest.bytes;
import static io.hookline.broker.cluster.ClusterProcessTest.publisher;
import static io.hookline.broker.cluster.ClusterProcessTest.text;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

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
 * Three broker processes: a shared group with members on a and b, the publisher on c; b is killed
 * with SIGKILL, and once the others have noticed, every message goes to the member on a.
 */
class ClusterSharedFailureProcessTest {

    @RegisterExtension
    final ClusterNodes cluster = new ClusterNodes(); // each test's nodes, killed after it

    @Test
    void whenAMembersNodeIsKilledTheSurvivingMembersGetEveryMessage() throws Exception {
        BrokerProcess a = cluster.start("a");
        BrokerProcess b = cluster.start("b");
        BrokerProcess c = cluster.start("c");
        cluster.awaitRunning(c, Duration.ofSeconds(30), "a", "b", "c");
        Mqtt5BlockingClient pub = publisher(c, "skill-pub");
        try (Sub onA = new Sub(a, "skill-a");
                Sub onB = new Sub(b, "skill-b")) {
            onA.subscribe("$share/k/skill/#", 1, 0, false, false);
            onB.subscribe("$share/k/skill/#", 1, 0, false, false);
            boolean[] got = new boolean[2]; // c knows both members: each got a probe
            await().atMost(Duration.ofSeconds(20))
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> {
                        pub.publishWith()
                                .topic("skill/probe")
                                .payload(bytes("probe"))
                                .send();
                        got[0] |= onA.drainProbes("skill/probe");
                        got[1] |= onB.drainProbes("skill/probe");
                        return got[0] && got[1];
                    });

            b.process().destroyForcibly(); // SIGKILL
            b.process().waitFor();
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                List<String> nodes = new ArrayList<>();
                cluster.show(c)
                        .forEach(r -> nodes.add(r.path("node").asText() + ":"
                                + r.path("running").asBoolean()));
                assertEquals(List.of("a:true", "c:true"), nodes, "b gone on c");
            });

            int n = 50;
            for (int i = 0; i < n; i++) {
                pub.publishWith()
                        .topic("skill/m")
                        .qos(MqttQos.AT_LEAST_ONCE)
                        .payload(bytes("" + i))
                        .send();
            }
            for (int i = 0; i < n; i++) {
                assertEquals("" + i, text(onA.next()), "the surviving member, every message in order");
            }
        }
        pub.disconnect();
    }
}
