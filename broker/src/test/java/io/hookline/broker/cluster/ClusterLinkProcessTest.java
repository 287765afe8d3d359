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
import io.hookline.broker.testsupport.CuttableProxy;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The data link from node a to node b runs through a TCP proxy (b's cluster.data_advertise) that
 * the test cuts in the middle of a QoS 2 stream and restores: both nodes stay members, a connects
 * again, resends what b had not acknowledged, and the subscriber on b gets every message exactly
 * once, in order; every publish is completed (PUBCOMP).
 */
class ClusterLinkProcessTest {

    private static final int MESSAGES = 1000;

    @TempDir
    Path tmp;

    private ClusterNodes cluster;
    private CuttableProxy proxy;

    @AfterEach
    void stop() {
        cluster.close();
        proxy.close();
    }

    @Test
    void aBrokenLinkLosesNothingAndDuplicatesNoQos2Message() throws Exception {
        int dataB = ClusterNodes.freePort();
        proxy = new CuttableProxy(new InetSocketAddress("127.0.0.1", dataB));
        cluster = new ClusterNodes(tmp);
        BrokerProcess a = cluster.start("a");
        BrokerProcess b = cluster.start(
                "b",
                "cluster.data_port",
                Integer.toString(dataB),
                "cluster.data_advertise",
                "127.0.0.1:" + proxy.address().getPort());
        cluster.awaitRunning(a, Duration.ofSeconds(20), "a", "b");

        Mqtt5BlockingClient pub = publisher(a, "link-pub");
        try (Sub sub = new Sub(b, "link-sub")) {
            sub.subscribe("link/#", 2, 0, false, false);
            awaitRoute(pub, sub, "link/probe");

            Mqtt5AsyncClient async = pub.toAsync();
            List<CompletableFuture<?>> completed = new ArrayList<>();
            for (int i = 0; i < MESSAGES; i++) {
                completed.add(async.publishWith()
                        .topic("link/x")
                        .qos(MqttQos.EXACTLY_ONCE)
                        .payload(bytes(Integer.toString(i)))
                        .send());
            }
            List<Integer> got = new ArrayList<>();
            while (got.size() < MESSAGES / 5) {
                got.add(Integer.parseInt(text(sub.next())));
            }
            proxy.cut(); // in the middle of the stream
            await().atMost(Duration.ofSeconds(20)).until(() -> proxy.refused() >= 1); // a tried to connect again
            proxy.restore();

            CompletableFuture.allOf(completed.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            while (got.size() < MESSAGES) {
                MqttMessage m = sub.poll(20);
                assertNotNull(m, "lost after the link broke: " + (MESSAGES - got.size()) + " of " + MESSAGES);
                got.add(Integer.parseInt(text(m)));
            }
            List<Integer> expected = new ArrayList<>();
            for (int i = 0; i < MESSAGES; i++) {
                expected.add(i);
            }
            assertEquals(expected, got, "each QoS 2 message once, in order");
            pub.publishWith()
                    .topic("link/x")
                    .qos(MqttQos.EXACTLY_ONCE)
                    .payload(bytes("end"))
                    .send();
            assertEquals("end", text(sub.next()), "no duplicate before the marker sent after them all");
            assertTrue(proxy.accepted() >= 2, "the link connected again");
            assertTrue(
                    a.output().stream().anyMatch(l -> l.contains("resending")), "a resent what b had not acknowledged");
        }
        pub.disconnect();
    }
}
