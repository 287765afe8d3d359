package io.hookline.broker.store.rocks;

import static io.hookline.broker.testsupport.Clients.text;
import static io.hookline.broker.testsupport.Clients.v5;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import io.hookline.broker.testsupport.SmallDisk;
import io.hookline.broker.testsupport.TestBroker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A persistent subscriber whose connection runs on its publisher's event loop (here: the same
 * client, subscribed to its own topic) is recorded in flight in the publisher's batch: one write
 * per message for the publish and one for the PUBACK, no queue record; its PUBLISH goes out once
 * that batch is stored, and not at all when it could not be (the publish was refused).
 */
class PublisherBatchDeliveryTest {

    @TempDir
    Path tmp;

    private TestBroker broker;

    @RegisterExtension
    final SmallDisk disk = new SmallDisk(() -> broker);

    private static Mqtt5BlockingClient persistent(TestBroker broker, String id) {
        Mqtt5BlockingClient c = v5(broker, id).toBlocking();
        c.connectWith().cleanStart(true).sessionExpiryInterval(3600).send();
        return c;
    }

    @Test
    void aSubscriberOnThePublishersLoopCostsTwoWritesPerMessageAndGetsEveryOneInOrder() throws Exception {
        broker = TestBroker.start(
                "persistence", "on", "data_dir", tmp.resolve("data").toString());
        RocksStores stores = (RocksStores) broker.broker().stores();
        Mqtt5BlockingClient self = persistent(broker, "self");
        int n = 50;
        List<String> got = new ArrayList<>();
        try (var publishes = self.publishes(MqttGlobalPublishFilter.ALL)) {
            self.subscribeWith()
                    .topicFilter("self/t")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .send();
            long before = stores.stats().requests();
            for (int i = 0; i < n; i++) {
                self.publishWith()
                        .topic("self/t")
                        .qos(MqttQos.AT_LEAST_ONCE)
                        .payload(("m" + i).getBytes(StandardCharsets.UTF_8))
                        .send();
                Optional<Mqtt5Publish> p = publishes.receive(30, TimeUnit.SECONDS);
                assertTrue(p.isPresent(), "m" + i);
                got.add(text(p.get().getPayloadAsBytes()));
            }
            // every PUBACK of the subscriber is written: nothing left in flight
            await().atMost(Duration.ofSeconds(30)).until(() -> inflightRecords(stores) == 0);
            long requests = stores.stats().requests() - before;
            // before: the publisher's queue record, the move to in flight, the PUBACK's delete (3n)
            assertTrue(requests <= 2L * n, requests + " write requests for " + n + " messages");
        }
        for (int i = 0; i < n; i++) {
            assertEquals("m" + i, got.get(i));
        }
        int[] queued = {0};
        stores.store().scan(Column.QUEUES, new byte[0], (k, v) -> ++queued[0] > 0);
        assertEquals(0, queued[0]);
        self.disconnect();
    }

    @Test
    void aMessageWhosePublisherWasRefusedNeverReachesTheSubscriberOnItsLoop() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("small"));
        disk.mount(dir);
        broker = TestBroker.start("persistence", "on", "data_dir", dir.toString(), "max_offline_messages", "-1");
        Mqtt5BlockingClient self = persistent(broker, "self");
        byte[] big = new byte[200 * 1024];
        try (var publishes = self.publishes(MqttGlobalPublishFilter.ALL)) {
            self.subscribeWith()
                    .topicFilter("self/#")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .send();
            Mqtt5PubAckException refused = null;
            int accepted = 0;
            for (int i = 0; i < 100 && refused == null; i++) {
                try {
                    self.publishWith()
                            .topic("self/big/" + i)
                            .qos(MqttQos.AT_LEAST_ONCE)
                            .payload(big)
                            .send();
                    accepted++;
                } catch (Mqtt5PubAckException e) {
                    refused = e;
                }
            }
            assertNotNull(refused, "3 MB cannot take 20 MB");
            assertEquals(
                    Mqtt5PubAckReasonCode.QUOTA_EXCEEDED,
                    refused.getMqttMessage().getReasonCode());
            // a QoS 0 marker on the same subscription comes after anything sent before it
            self.publishWith()
                    .topic("self/marker")
                    .qos(MqttQos.AT_MOST_ONCE)
                    .payload(new byte[] {1})
                    .send();
            List<String> topics = new ArrayList<>();
            while (true) {
                Optional<Mqtt5Publish> p = publishes.receive(30, TimeUnit.SECONDS);
                assertTrue(p.isPresent(), "the marker arrives; so far: " + topics);
                String topic = p.get().getTopic().toString();
                if (topic.equals("self/marker")) {
                    break;
                }
                topics.add(topic);
            }
            // exactly the accepted ones, in order: the refused one was never sent
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < accepted; i++) {
                expected.add("self/big/" + i);
            }
            assertEquals(expected, topics);
        }
        self.disconnect();
    }

    private static long inflightRecords(RocksStores stores) {
        long[] n = {0};
        stores.store().scan(Column.INFLIGHT, new byte[0], (k, v) -> ++n[0] > 0);
        return n[0];
    }
}
