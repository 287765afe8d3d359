package io.hookline.broker.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.hookline.broker.testsupport.BrokerProcess;
import io.hookline.broker.testsupport.Clients;
import io.hookline.broker.testsupport.ClusterNodes;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two broker processes on loopback as one cluster (only the documented cluster.* keys), with
 * real MQTT clients: Paho v5 subscribers (subscription identifiers, no-local,
 * retain-as-published, the DISCONNECT reason) and HiveMQ publishers. Each test uses its own
 * client ids and topics; the nodes are shared.
 */
class ClusterProcessTest {

    @RegisterExtension
    static final ClusterNodes cluster = ClusterNodes.perClass(); // killed after the last test

    static BrokerProcess a;
    static BrokerProcess b;

    @BeforeAll
    static void startTwoNodes() throws Exception {
        a = cluster.start("a");
        b = cluster.start("b");
    }

    @Test
    void bothNodesListBothAsRunning() {
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            assertEquals(List.of("a", "b"), cluster.running(a));
            assertEquals(List.of("a", "b"), cluster.running(b));
        });
        JsonNode rows = cluster.show(a);
        assertEquals(2, rows.size());
        for (JsonNode row : rows) {
            assertTrue(row.path("address").asText().startsWith("127.0.0.1:"), row.toString());
            assertTrue(row.has("connections") && row.has("sessions") && row.has("routes"), row.toString());
        }
    }

    @Test
    void binAdminClusterShowPrintsTheNodes() throws Exception {
        ProcessBuilder pb = new ProcessBuilder(
                Path.of("../bin/admin").toAbsolutePath().normalize().toString(),
                "--url",
                "http://127.0.0.1:" + b.httpPort(),
                "--api-key",
                cluster.admin(b).key(),
                "cluster",
                "show");
        pb.environment().put("HOOKLINE_CLASSPATH", System.getProperty("java.class.path"));
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        String[] lines = out.split("\n");
        assertTrue(
                lines[0].matches(
                        "node\\s+address\\s+running\\s+connections\\s+sessions\\s+routes\\s+messages_in\\s+messages_out\\s+self\\s*"),
                out);
        assertTrue(lines[1].matches("a\\s+127\\.0\\.0\\.1:\\d+\\s+true\\s+.*false\\s*"), out);
        assertTrue(lines[2].matches("b\\s+127\\.0\\.0\\.1:\\d+\\s+true\\s+.*true\\s*"), out);
    }

    @Test
    void publishOnOneNodeReachesSubscriberOnTheOtherInOrderWithItsQosAndSubscriptionId() throws Exception {
        try (Sub sub = new Sub(b, "order-sub")) {
            sub.subscribe("order/#", 2, 42, false, false);
            Mqtt5BlockingClient pub = publisher(a, "order-pub");
            awaitRoute(pub, sub, "order/probe");
            int n = 200;
            for (int i = 0; i < n; i++) {
                pub.publishWith()
                        .topic("order/m")
                        .qos(MqttQos.fromCode(i % 3))
                        .payload(("" + i).getBytes(StandardCharsets.UTF_8))
                        .send();
            }
            for (int i = 0; i < n; i++) {
                MqttMessage m = sub.next();
                assertEquals("" + i, text(m), "per-publisher order");
                assertEquals(i % 3, m.getQos(), "the publish QoS (the subscription allows 2)");
                assertEquals(
                        List.of(42), m.getProperties().getSubscriptionIdentifiers(), "computed on the receiving node");
            }
            pub.disconnect();
        }
    }

    @Test
    void deliveryQosIsTheLowerOfPublishAndSubscription() throws Exception {
        try (Sub sub = new Sub(b, "qos-sub")) {
            sub.subscribe("qos/#", 1, 0, false, false);
            Mqtt5BlockingClient pub = publisher(a, "qos-pub");
            awaitRoute(pub, sub, "qos/probe");
            pub.publishWith()
                    .topic("qos/two")
                    .qos(MqttQos.EXACTLY_ONCE)
                    .payload(bytes("2"))
                    .send();
            MqttMessage m = sub.next();
            assertEquals("2", text(m));
            assertEquals(1, m.getQos());
            pub.disconnect();
        }
    }

    @Test
    void retainAsPublishedAndPropertiesTravel() throws Exception {
        try (Sub keeps = new Sub(b, "rap-keeps");
                Sub clears = new Sub(b, "rap-clears")) {
            keeps.subscribe("rap/#", 1, 0, false, true);
            clears.subscribe("rap/#", 1, 0, false, false);
            Mqtt5BlockingClient pub = publisher(a, "rap-pub");
            awaitRoute(pub, keeps, "rap/probe");
            awaitRoute(pub, clears, "rap/probe");
            pub.publishWith()
                    .topic("rap/live")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .retain(true)
                    .contentType("text/plain")
                    .responseTopic("rap/answers")
                    .correlationData(bytes("c1"))
                    .userProperties()
                    .add("k", "v")
                    .applyUserProperties()
                    .payload(bytes("live"))
                    .send();
            MqttMessage kept = keeps.next();
            assertEquals("live", text(kept));
            assertTrue(kept.isRetained(), "retain as published");
            assertEquals("text/plain", kept.getProperties().getContentType());
            assertEquals("rap/answers", kept.getProperties().getResponseTopic());
            assertArrayEquals(bytes("c1"), kept.getProperties().getCorrelationData());
            assertEquals("v", kept.getProperties().getUserProperties().get(0).getValue());
            MqttMessage cleared = clears.next();
            assertEquals("live", text(cleared));
            assertFalse(cleared.isRetained(), "a live message without retain as published");
            pub.publishWith().topic("rap/live").retain(true).send(); // clear it again
            pub.disconnect();
        }
    }

    @Test
    void noLocalHoldsAcrossNodesThePublisherIdentityTravels() throws Exception {
        // "nl" subscribes with no-local on b (persistent session), then publishes from a
        try (Sub nl = new Sub(b, "nl", false)) {
            nl.subscribe("nl/#", 1, 0, true, false);
            nl.subscribe("nl-probe/#", 1, 0, false, false);
            nl.disconnect();
        }
        Mqtt5BlockingClient other = publisher(a, "nl-other");
        try (Sub watcher = new Sub(b, "nl-watcher")) {
            watcher.subscribe("nl/#", 1, 0, false, false);
            awaitRoute(other, watcher, "nl/probe");
            Mqtt5BlockingClient self = publisher(a, "nl");
            self.publishWith()
                    .topic("nl/own")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload(bytes("own"))
                    .send();
            other.publishWith()
                    .topic("nl/x")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload(bytes("other"))
                    .send();
            assertEquals("own", text(watcher.next()));
            assertEquals("other", text(watcher.next()));
            self.disconnect();
        }
        // one client id, one session cluster-wide (session migration, docs/cluster.md): "nl" starting
        // clean on a ended its session on b, as a clean start does on a single broker; so no-local
        // across nodes only matters while a session moves, and nothing is left queued on b
        assertTrue(b.awaitOutput("client 'nl' started clean on node 'a': its session here ends"));
        other.disconnect();
    }

    @Test
    void retainedOnOneNodeIsRetainedOnTheOther() throws Exception {
        Mqtt5BlockingClient pub = publisher(a, "ret-pub");
        pub.publishWith()
                .topic("ret/t")
                .qos(MqttQos.AT_LEAST_ONCE)
                .retain(true)
                .payload(bytes("kept"))
                .send();
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            try (Sub sub = new Sub(b, "ret-sub")) {
                sub.subscribe("ret/#", 1, 0, false, false);
                MqttMessage m = sub.poll(2);
                assertNotNull(m, "the retained message on b");
                assertEquals("kept", text(m));
                assertTrue(m.isRetained());
            }
        });
        pub.publishWith().topic("ret/t").retain(true).send(); // an empty retained message clears it everywhere
        await().atMost(Duration.ofSeconds(20))
                .until(() -> !cluster.admin(b)
                        .get("/api/v1/retain/show?--topic=ret/%23")
                        .body()
                        .contains("ret/t"));
        pub.disconnect();
    }

    @Test
    void connectingOnTheOtherNodeTakesTheClientIdOver() throws Exception {
        try (Sub first = new Sub(a, "tk")) {
            Mqtt5BlockingClient second = MqttClient.builder()
                    .useMqttVersion5()
                    .identifier("tk")
                    .serverHost("127.0.0.1")
                    .serverPort(b.mqttPort())
                    .buildBlocking();
            second.connect();
            Integer reason = first.disconnects.poll(20, TimeUnit.SECONDS);
            assertEquals(0x8E, reason, "session taken over");
            assertTrue(second.getState().isConnected());
            second.disconnect();
        }
    }

    // ---- helpers -----------------------------------------------------------------------

    /** Publishes {@code probe} (QoS 0) until {@code sub} receives one: the route reached the publisher's node. */
    static void awaitRoute(Mqtt5BlockingClient pub, Sub sub, String probe) {
        await().atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> {
                    pub.publishWith().topic(probe).payload(bytes("probe")).send();
                    return sub.drainProbes(probe);
                });
    }

    /**
     * Waits until {@code sub} gets {@code pub}'s probes (the route has reached the publisher's
     * node), then publishes {@code payload} on {@code topic} at QoS 1 and asserts it arrives next.
     */
    static void assertCrosses(Mqtt5BlockingClient pub, Sub sub, String probe, String topic, String payload)
            throws InterruptedException {
        assertCrosses(pub, sub, probe, topic, payload, null);
    }

    static void assertCrosses(
            Mqtt5BlockingClient pub, Sub sub, String probe, String topic, String payload, String message)
            throws InterruptedException {
        awaitRoute(pub, sub, probe);
        pub.publishWith()
                .topic(topic)
                .qos(MqttQos.AT_LEAST_ONCE)
                .payload(bytes(payload))
                .send();
        assertEquals(payload, text(sub.next()), message);
    }

    static Mqtt5BlockingClient publisher(BrokerProcess node, String id) {
        Mqtt5BlockingClient c = Clients.v5(node, id).toBlocking();
        c.connect();
        return c;
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String text(MqttMessage m) {
        return new String(m.getPayload(), StandardCharsets.UTF_8);
    }

    private record In(String topic, MqttMessage message) {}

    /** A Paho v5 client on a node, queueing what it receives and the DISCONNECT reasons it gets. */
    static final class Sub implements MqttCallback, AutoCloseable {
        private final MqttAsyncClient client;
        private final BlockingQueue<In> received = new LinkedBlockingQueue<>();
        final BlockingQueue<Integer> disconnects = new LinkedBlockingQueue<>();

        Sub(BrokerProcess node, String id) throws MqttException {
            this(node, id, true);
        }

        /** {@code clean}: clean start and expiry 0; else resume with a session that lasts 5 minutes. */
        Sub(BrokerProcess node, String id, boolean clean) throws MqttException {
            client = new MqttAsyncClient("tcp://127.0.0.1:" + node.mqttPort(), id, new MemoryPersistence());
            client.setCallback(this);
            MqttConnectionOptions options = new MqttConnectionOptions();
            options.setCleanStart(clean);
            options.setSessionExpiryInterval(clean ? 0L : 300L);
            options.setAutomaticReconnect(false);
            client.connect(options).waitForCompletion(10_000);
        }

        void subscribe(String filter, int qos, int subscriptionId, boolean noLocal, boolean retainAsPublished)
                throws MqttException {
            MqttProperties props = new MqttProperties();
            if (subscriptionId > 0) {
                props.setSubscriptionIdentifier(subscriptionId);
            }
            MqttSubscription s = new MqttSubscription(filter, qos);
            s.setNoLocal(noLocal);
            s.setRetainAsPublished(retainAsPublished);
            client.subscribe(new MqttSubscription[] {s}, null, null, props).waitForCompletion(10_000);
        }

        /** The next message that is not a probe. */
        MqttMessage next() throws InterruptedException {
            MqttMessage m = poll(20);
            assertNotNull(m, "a message within 20 s");
            return m;
        }

        /** The next message that is not a probe, waiting up to {@code seconds}; null when none came. */
        MqttMessage poll(int seconds) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            while (true) {
                In in = received.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (in == null) {
                    return null;
                }
                if (!in.topic().endsWith("/probe")) {
                    return in.message();
                }
            }
        }

        /** Whether a probe arrived; drops the probes received so far. */
        boolean drainProbes(String probe) {
            return received.removeIf(in -> in.topic().equals(probe));
        }

        void disconnect() throws MqttException {
            client.disconnect().waitForCompletion(10_000);
        }

        @Override
        public void messageArrived(String topic, MqttMessage message) {
            received.add(new In(topic, message));
        }

        @Override
        public void disconnected(MqttDisconnectResponse response) {
            disconnects.add(response.getReturnCode());
        }

        @Override
        public void mqttErrorOccurred(MqttException exception) {}

        @Override
        public void deliveryComplete(IMqttToken token) {}

        @Override
        public void connectComplete(boolean reconnect, String serverURI) {}

        @Override
        public void authPacketArrived(int reasonCode, MqttProperties properties) {}

        @Override
        public void close() throws MqttException {
            if (client.isConnected()) {
                client.disconnect().waitForCompletion(10_000);
            }
            client.close();
        }
    }
}
