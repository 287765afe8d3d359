package io.hookline.broker.overload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.hookline.broker.testsupport.BrokerProcess;
import io.hookline.broker.testsupport.RawClient;
import io.hookline.broker.testsupport.Survival;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16 item 1: clients subscribed to their own topic, publishing 1 MB QoS 0 messages without
 * reading, are exempt from back-pressure; max_online_bytes bounds what their sessions hold, so a
 * broker with a 160 MB heap survives 360 MB of them, keeps serving others and answers /health.
 */
class SelfSubscriptionHeapTest {

    private static final int ATTACKERS = 3;
    private static final int MESSAGES = 120; // each 1 MB: 120 MB per attacker, 360 MB in all
    private static final byte[] MEGABYTE = new byte[1 << 20];

    /** Connects, subscribes to its own topic, then publishes without ever reading its socket. */
    private static long attack(int port, String id) throws IOException {
        try (Socket s = new Socket()) {
            s.setReceiveBufferSize(4096);
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            out.write(RawClient.connect(4, id));
            in.readNBytes(4); // CONNACK
            out.write(RawClient.subscribe(4, 1, "self/" + id, 0));
            in.readNBytes(5); // SUBACK
            long sent = 0;
            for (int i = 0; i < MESSAGES; i++) {
                out.write(RawClient.publish(4, "self/" + id, 0, 0, MEGABYTE));
                sent += MEGABYTE.length;
            }
            out.flush();
            return sent;
        }
    }

    @Test
    void selfSubscribedFloodersCannotExhaustTheHeap(@TempDir Path dir) throws Exception {
        try (BrokerProcess broker = BrokerProcess.start(
                dir, List.of("-Xmx160m", "-XX:+ExitOnOutOfMemoryError"), "max_message_size", "2MB")) {
            Mqtt5BlockingClient bystander = MqttClient.builder()
                    .useMqttVersion5()
                    .identifier("bystander")
                    .serverHost("127.0.0.1")
                    .serverPort(broker.mqttPort())
                    .buildBlocking();
            bystander.connect();
            var inbox = bystander.publishes(MqttGlobalPublishFilter.ALL);
            bystander
                    .subscribeWith()
                    .topicFilter("bystander/#")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .send();

            ExecutorService pool = Executors.newFixedThreadPool(ATTACKERS);
            try {
                List<Future<Long>> attacks = new ArrayList<>();
                for (int i = 0; i < ATTACKERS; i++) {
                    String id = "flooder-" + i;
                    attacks.add(pool.submit(() -> attack(broker.mqttPort(), id)));
                }
                for (Future<Long> a : attacks) {
                    assertEquals(
                            (long) MESSAGES << 20, a.get(50, TimeUnit.SECONDS), "the broker stopped reading a flooder");
                }
            } finally {
                pool.shutdownNow();
            }
            assertTrue(broker.process().isAlive(), String.join("\n", broker.output()));
            assertTrue(Survival.limitHits(broker.httpPort(), "online_bytes") > 0, "max_online_bytes was never hit");
            assertTrue(
                    Survival.metric(broker.httpPort(), "hookline_messages_dropped_total{reason=\"queue_full\"}") > 0);
            Survival.assertHealthy(broker.httpPort());
            Mqtt5BlockingClient publisher = MqttClient.builder()
                    .useMqttVersion5()
                    .identifier("publisher")
                    .serverHost("127.0.0.1")
                    .serverPort(broker.mqttPort())
                    .buildBlocking();
            publisher.connect();
            publisher
                    .publishWith()
                    .topic("bystander/check")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload("served".getBytes(StandardCharsets.UTF_8))
                    .send();
            var got = inbox.receive(10, TimeUnit.SECONDS);
            assertTrue(got.isPresent(), "the bystander was not served after the flood");
            publisher.disconnect();
            bystander.disconnect();
        }
    }
}
