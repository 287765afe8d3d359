package io.hookline.broker.cluster;

import static io.hookline.broker.cluster.ClusterProcessTest.bytes;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import io.hookline.broker.testsupport.BrokerProcess;
import io.hookline.broker.testsupport.Clients;
import io.hookline.broker.testsupport.ClusterNodes;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Back-pressure between nodes: a subscriber on node b that stops acknowledging (Paho, manual
 * acknowledgements, receive maximum 10) congests its session on b, b stops reading the data
 * link from a, the link's unacknowledged bytes pass cluster.outbound_high_watermark and the
 * publishers on a are paused (no unbounded memory anywhere); once the subscriber reads again,
 * everything arrives, in order, and the publishers go on.
 */
class ClusterBackpressureProcessTest {

    private static final int MESSAGES = 3000;
    private static final int PAYLOAD = 1024;

    @TempDir
    Path tmp;

    private ClusterNodes cluster;
    private final List<Mqtt5AsyncClient> publishers = new ArrayList<>();

    @AfterEach
    void stop() {
        publishers.forEach(p -> p.disconnect());
        cluster.close();
    }

    @Test
    void aSlowSubscriberOnBPausesThePublishersOnA() throws Exception {
        cluster = new ClusterNodes(tmp);
        BrokerProcess a = cluster.start("a", "cluster.outbound_high_watermark", "16KB");
        BrokerProcess b = cluster.start(
                "b",
                "queue_high_watermark",
                "32KB",
                "queue_low_watermark",
                "16KB",
                "max_online_messages",
                "-1"); // only the byte marks bound the queue
        cluster.awaitRunning(a, Duration.ofSeconds(20), "a", "b");

        try (Slow sub = new Slow(b, "bp-sub")) {
            Mqtt5AsyncClient probe = publisher(a, "bp-probe");
            await().atMost(Duration.ofSeconds(20))
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> {
                        probe.publishWith()
                                .topic("bp/probe")
                                .payload(bytes("probe"))
                                .send();
                        return sub.probes.get() > 0; // the route reached a
                    });

            AtomicInteger acked = new AtomicInteger();
            List<CompletableFuture<Void>> done = new ArrayList<>();
            for (int p = 0; p < 2; p++) {
                done.add(flatOut(publisher(a, "bp-pub-" + p), "bp/" + p, MESSAGES / 2, acked));
            }

            await().atMost(Duration.ofSeconds(20))
                    .until(() -> ClusterNodes.metric(a, "hookline_cluster_links_congested_total") >= 1
                            && ClusterNodes.metric(a, "hookline_publishers_paused") >= 1);
            AtomicInteger lastSeen = new AtomicInteger(-1); // PUBACKs already on their way still arrive: then none
            await().during(Duration.ofMillis(500))
                    .atMost(Duration.ofSeconds(10))
                    .until(() -> lastSeen.getAndSet(acked.get()) == acked.get());
            assertTrue(acked.get() < MESSAGES / 2, "acknowledged " + acked.get() + " of " + MESSAGES + " while held");
            assertEquals(0, ClusterNodes.metric(b, "hookline_messages_dropped_total"), "nothing dropped on b");

            sub.goOn(); // reads (acknowledges) again
            CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(20)).until(() -> sub.received(0) + sub.received(1) == MESSAGES);
            assertEquals(List.of(), sub.outOfOrder, "per-publisher order kept");
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> ClusterNodes.metric(a, "hookline_publishers_paused") == 0);
            assertEquals(0, ClusterNodes.metric(b, "hookline_messages_dropped_total"), "nothing dropped on b");
        }
    }

    private Mqtt5AsyncClient publisher(BrokerProcess node, String id) {
        Mqtt5AsyncClient c = Clients.v5(node, id).toAsync();
        c.connect().join();
        publishers.add(c);
        return c;
    }

    /** Publishes {@code n} numbered QoS 1 messages as fast as the client lets it, from a thread of its own. */
    private static CompletableFuture<Void> flatOut(Mqtt5AsyncClient c, String topic, int n, AtomicInteger acked) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Thread t = new Thread(
                () -> {
                    CompletableFuture<?>[] all = new CompletableFuture<?>[n];
                    for (int i = 0; i < n; i++) {
                        byte[] payload = new byte[PAYLOAD];
                        byte[] number = Integer.toString(i).getBytes(StandardCharsets.UTF_8);
                        System.arraycopy(number, 0, payload, 0, number.length);
                        all[i] = c.publishWith()
                                .topic(topic)
                                .qos(MqttQos.AT_LEAST_ONCE)
                                .payload(payload)
                                .send()
                                .thenRun(acked::incrementAndGet);
                    }
                    CompletableFuture.allOf(all).whenComplete((v, e) -> {
                        if (e != null) {
                            done.completeExceptionally(e);
                        } else {
                            done.complete(null);
                        }
                    });
                },
                "publisher-" + topic);
        t.setDaemon(true);
        t.start();
        return done;
    }

    /** A Paho subscriber to bp/# at QoS 1 that does not acknowledge until {@link #goOn}. */
    private static final class Slow implements MqttCallback, AutoCloseable {
        private final MqttAsyncClient client;
        private final List<int[]> held = new ArrayList<>(); // guarded by this: {id, qos}
        private boolean holding = true; // guarded by this
        private final int[] next = new int[2]; // per publisher: the number expected next (client thread)
        final List<String> outOfOrder = new java.util.concurrent.CopyOnWriteArrayList<>();
        final AtomicInteger probes = new AtomicInteger();
        private final AtomicInteger[] count = {new AtomicInteger(), new AtomicInteger()};

        Slow(BrokerProcess node, String id) throws MqttException {
            client = new MqttAsyncClient("tcp://127.0.0.1:" + node.mqttPort(), id, new MemoryPersistence());
            client.setCallback(this);
            client.setManualAcks(true);
            MqttConnectionOptions options = new MqttConnectionOptions();
            options.setCleanStart(true);
            options.setReceiveMaximum(10);
            options.setAutomaticReconnect(false);
            client.connect(options).waitForCompletion(10_000);
            client.subscribe("bp/#", 1).waitForCompletion(10_000);
        }

        int received(int publisher) {
            return count[publisher].get();
        }

        void goOn() throws MqttException {
            List<int[]> ack;
            synchronized (this) {
                holding = false;
                ack = new ArrayList<>(held);
                held.clear();
            }
            for (int[] m : ack) {
                client.messageArrivedComplete(m[0], m[1]);
            }
        }

        @Override
        public void messageArrived(String topic, MqttMessage message) throws MqttException {
            if (topic.equals("bp/probe")) {
                probes.incrementAndGet();
                return; // QoS 0: nothing to acknowledge
            }
            int p = topic.endsWith("/0") ? 0 : 1;
            int n = Integer.parseInt(
                    new String(message.getPayload(), StandardCharsets.UTF_8).trim()); // trim: the zeros after it
            if (n != next[p]) {
                outOfOrder.add(topic + " " + n + " after " + (next[p] - 1));
            }
            next[p] = n + 1;
            count[p].incrementAndGet();
            synchronized (this) {
                if (holding) {
                    held.add(new int[] {message.getId(), message.getQos()});
                    return;
                }
            }
            client.messageArrivedComplete(message.getId(), message.getQos());
        }

        @Override
        public void disconnected(MqttDisconnectResponse response) {}

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
