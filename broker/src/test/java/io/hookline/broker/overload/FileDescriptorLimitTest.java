package io.hookline.broker.overload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.hookline.broker.testsupport.BrokerProcess;
import io.hookline.broker.testsupport.Survival;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16 item 5: with listener.max_connections = auto (the default) the broker keeps a reserve
 * of its open-file limit, so a flood of sockets that never send CONNECT cannot take the
 * descriptors /health and existing clients need.
 */
class FileDescriptorLimitTest {

    private static final int OPEN_FILES =
            800; // reserve 512 (the HTTP cap is kept only up to half): max_connections = 288

    private static Mqtt5BlockingClient client(BrokerProcess broker, String id) {
        Mqtt5BlockingClient c = MqttClient.builder()
                .useMqttVersion5()
                .identifier(id)
                .serverHost("127.0.0.1")
                .serverPort(broker.mqttPort())
                .buildBlocking();
        c.connect();
        return c;
    }

    @Test
    void aSocketFloodLeavesDescriptorsForHealthAndExistingClients(@TempDir Path dir) throws Exception {
        try (BrokerProcess broker =
                BrokerProcess.start(dir, OPEN_FILES, List.of("-Xmx128m"), "connect_timeout", "60s")) {
            assertTrue(
                    broker.awaitOutput("open-file limit " + OPEN_FILES + ": listener.max_connections = 288"),
                    String.join("\n", broker.output()));
            Mqtt5BlockingClient subscriber = client(broker, "subscriber");
            Mqtt5BlockingClient publisher = client(broker, "publisher");
            var inbox = subscriber.publishes(MqttGlobalPublishFilter.ALL);
            subscriber
                    .subscribeWith()
                    .topicFilter("still/#")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .send();

            List<Socket> flood = new ArrayList<>();
            try {
                for (int i = 0; i < OPEN_FILES; i++) { // more sockets than the broker has descriptors
                    flood.add(new Socket("127.0.0.1", broker.mqttPort()));
                }
                // the flood is held or closed at accept; the broker keeps descriptors to spare
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (Survival.limitHits(broker.httpPort(), "max_connections") == 0 && System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                }
                assertTrue(Survival.limitHits(broker.httpPort(), "max_connections") > 0);
                assertTrue(broker.openFiles() < OPEN_FILES - 100, "open descriptors: " + broker.openFiles());
                Survival.assertHealthy(broker.httpPort());
                publisher
                        .publishWith()
                        .topic("still/served")
                        .qos(MqttQos.AT_LEAST_ONCE)
                        .payload("yes".getBytes(StandardCharsets.UTF_8))
                        .send();
                var got = inbox.receive(10, TimeUnit.SECONDS);
                assertTrue(got.isPresent(), "an existing client stopped being served");
                assertEquals("yes", new String(got.get().getPayloadAsBytes(), StandardCharsets.UTF_8));
            } finally {
                for (Socket s : flood) {
                    close(s);
                }
            }
            // once the flood is gone, new clients connect again
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            Mqtt5BlockingClient late = null;
            while (late == null && System.nanoTime() < deadline) {
                try {
                    late = client(broker, "late");
                } catch (RuntimeException refused) {
                    Thread.onSpinWait();
                }
            }
            assertTrue(late != null, "no new client could connect after the flood");
            late.disconnect();
            assertTrue(
                    broker.awaitOutput("limits - listener.max_connections: 288 open connections"),
                    String.join("\n", broker.output()));
            subscriber.disconnect();
            publisher.disconnect();
        }
    }

    private static void close(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
