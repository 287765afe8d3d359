package io.hookline.broker.store.rocks;

import static io.hookline.broker.testsupport.Clients.v3Connected;
import static io.hookline.broker.testsupport.Clients.v5;
import static io.hookline.broker.testsupport.Clients.v5Connected;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import io.hookline.broker.config.SyncPolicy;
import io.hookline.broker.testsupport.SmallDisk;
import io.hookline.broker.testsupport.TestBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A full disk under a running broker (data_dir on a 3 MB tmpfs; needs root, as the build
 * machines and CI run): a v5 QoS 1 publish that cannot be stored gets PUBACK 0x97 Quota
 * exceeded, a 3.1.1 one is disconnected, the broker keeps serving, and once there is room
 * again publishes are stored again, under every persistence.sync policy.
 */
class DiskFullBrokerTest {

    @TempDir
    Path tmp;

    private TestBroker broker;

    @RegisterExtension
    final SmallDisk disk = new SmallDisk(() -> broker);

    @ParameterizedTest
    @EnumSource(SyncPolicy.class)
    void aPublishThatCannotBeStoredIsRefusedAndTheBrokerKeepsServing(SyncPolicy policy) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("small"));
        disk.mount(dir);
        broker = TestBroker.start(
                "persistence",
                "on",
                "persistence.sync",
                policy.name().toLowerCase(Locale.ROOT),
                "data_dir",
                dir.toString(),
                "max_offline_messages",
                "-1");
        Mqtt5BlockingClient keeper = v5(broker, "keeper").toBlocking();
        keeper.connectWith().cleanStart(true).sessionExpiryInterval(3600).send();
        keeper.subscribeWith().topicFilter("big/#").qos(MqttQos.AT_LEAST_ONCE).send();
        keeper.disconnect();

        Mqtt5BlockingClient pub = v5Connected(broker, "pub");
        byte[] big = new byte[200 * 1024];
        Mqtt5PubAckException refused = null;
        for (int i = 0; i < 100 && refused == null; i++) {
            try {
                pub.publishWith()
                        .topic("big/" + i)
                        .qos(MqttQos.AT_LEAST_ONCE)
                        .payload(big)
                        .send();
            } catch (Mqtt5PubAckException e) {
                refused = e;
            }
        }
        assertNotNull(refused, "3 MB cannot take 20 MB");
        assertEquals(
                Mqtt5PubAckReasonCode.QUOTA_EXCEEDED, refused.getMqttMessage().getReasonCode());

        // 3.1.1 has no reason codes: the publisher is disconnected
        Mqtt3BlockingClient v3 = v3Connected(broker, "pub-v3");
        assertThrows(RuntimeException.class, () -> {
            for (int i = 0; i < 20; i++) {
                v3.publishWith()
                        .topic("big/v3")
                        .qos(MqttQos.AT_LEAST_ONCE)
                        .payload(big)
                        .send();
            }
        });

        // the broker keeps serving: a clean session's QoS 0 traffic never touches the disk
        Mqtt5BlockingClient other = v5Connected(broker, "other");
        try (var publishes = other.publishes(com.hivemq.client.mqtt.MqttGlobalPublishFilter.ALL)) {
            other.subscribeWith().topicFilter("live").qos(MqttQos.AT_MOST_ONCE).send();
            pub.publishWith()
                    .topic("live")
                    .qos(MqttQos.AT_MOST_ONCE)
                    .payload(new byte[] {1})
                    .send();
            assertTrue(publishes.receive(30, TimeUnit.SECONDS).isPresent());
        }

        // room again: QoS 1 publishes are stored and acknowledged again, without a restart
        disk.grow(dir, "128m");
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(250))
                .until(() -> {
                    try {
                        pub.publishWith()
                                .topic("big/after")
                                .qos(MqttQos.AT_LEAST_ONCE)
                                .payload(new byte[] {2})
                                .send();
                        return true;
                    } catch (Mqtt5PubAckException stillFull) {
                        assertEquals(
                                Mqtt5PubAckReasonCode.QUOTA_EXCEEDED,
                                stillFull.getMqttMessage().getReasonCode());
                        return false;
                    }
                });
        other.disconnect();
        pub.disconnect();
        RocksStores stores = (RocksStores) broker.broker().stores();
        await().atMost(Duration.ofSeconds(10)).until(() -> stores.health().writable());
        assertEquals(1, stores.health().readOnlyTimes());
    }
}
