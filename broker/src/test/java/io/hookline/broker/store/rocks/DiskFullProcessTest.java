package io.hookline.broker.store.rocks;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient.Mqtt5Publishes;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import io.hookline.broker.testsupport.AdminHttp;
import io.hookline.broker.testsupport.BrokerProcess;
import io.hookline.broker.testsupport.BrokerProcesses;
import io.hookline.broker.testsupport.Clients;
import io.hookline.broker.testsupport.SmallDisk;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A full disk under the default persistence.sync = interval, on a real broker process whose
 * data_dir is a tiny tmpfs (needs root, as the build machines and CI run; skipped where mounting
 * is not allowed): the refused publish's log line as an operator reads it, and nothing
 * acknowledged before the disk filled is lost across a restart. {@link DiskFullBrokerTest}
 * covers the client side (0x97, 3.1.1 close, QoS 0 still served, recovery) under sync = always,
 * {@link DiskFullTest} the store alone.
 */
class DiskFullProcessTest {

    @TempDir
    Path tmp;

    private final BrokerProcesses processes = new BrokerProcesses();

    @RegisterExtension
    final SmallDisk disk = new SmallDisk(() -> processes);

    static final int BIG = 256 * 1024; // bytes of each q/big message

    private BrokerProcess start(Path dataDir) throws Exception {
        return processes.start(tmp, CrashRecoveryProcessTest.JVM, config(dataDir));
    }

    /** The config the store process tests start with: durable, offline queues unbounded, the store in {@code dataDir}. */
    static String[] config(Path dataDir) {
        return new String[] {"persistence", "on", "max_offline_messages", "-1", "data_dir", dataDir.toString()};
    }

    private static String output(BrokerProcess p) {
        return String.join("\n", p.output());
    }

    static Mqtt5BlockingClient v5(BrokerProcess b, String id) {
        return Clients.v5(b, id).toBlocking();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** A persistent session subscribed to {@code filter}, left offline. */
    static void keeper(BrokerProcess b, String filter) {
        Mqtt5BlockingClient keeper = v5(b, "keeper");
        keeper.connectWith().cleanStart(true).sessionExpiryInterval(3600).send();
        keeper.subscribeWith().topicFilter(filter).qos(MqttQos.AT_LEAST_ONCE).send();
        keeper.disconnect();
    }

    /** Reconnects the keeper (its session must be there) and reads the first {@code n} payloads of its queue. */
    static List<byte[]> drainKeeper(BrokerProcess b, int n) throws Exception {
        Mqtt5BlockingClient keeper = v5(b, "keeper");
        List<byte[]> got = new ArrayList<>();
        try (Mqtt5Publishes publishes = keeper.publishes(MqttGlobalPublishFilter.ALL)) {
            assertTrue(
                    keeper.connectWith()
                            .cleanStart(false)
                            .sessionExpiryInterval(3600)
                            .send()
                            .isSessionPresent(),
                    "the keeper's session is back");
            for (int i = 0; i < n; i++) {
                got.add(publishes.receive(30, TimeUnit.SECONDS).orElseThrow().getPayloadAsBytes());
            }
        }
        keeper.disconnect();
        return got;
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES) // two broker processes on a busy machine
    void aFullDiskIsLoggedAndWhatWasAcknowledgedBeforeSurvivesARestart() throws Exception {
        Path small = Files.createDirectories(tmp.resolve("small"));
        disk.mount(small);
        Path data = small.resolve("data");
        BrokerProcess broker = start(data);
        keeper(broker, "q/#");
        Mqtt5BlockingClient pub = v5(broker, "pub5");
        pub.connect();
        for (int i = 0; i < 5; i++) {
            pub.publishWith()
                    .topic("q/small")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload(utf8("m" + i))
                    .send();
        }
        pub.publishWith()
                .topic("ret/a")
                .qos(MqttQos.AT_LEAST_ONCE)
                .retain(true)
                .payload(utf8("kept"))
                .send();

        // QoS 1 publishes of 256 KB to the persistent session until the store has no room
        int stored = publishUntilQuotaExceeded(pub);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> output(broker).contains("client 'pub5': PUBLISH ")
                        && output(broker).contains(" not stored, not acknowledged: "));
        assertTrue(output(broker).contains("No space left on device"), output(broker));
        pub.disconnect();

        // room again, and a restart: everything acknowledged before the disk filled is there, in order
        disk.grow(small, "64m");
        assertEquals(0, broker.stop(), "SIGTERM: a clean stop exits 0 (Main handles the signal)");
        BrokerProcess again = start(data);
        List<byte[]> got = drainKeeper(again, 5 + stored);
        for (int i = 0; i < 5; i++) {
            assertEquals("m" + i, new String(got.get(i), StandardCharsets.UTF_8));
        }
        for (int i = 0; i < stored; i++) {
            assertEquals(BIG, got.get(5 + i).length, "acknowledged big message " + i);
            assertEquals((byte) i, got.get(5 + i)[0], "acknowledged big message " + i + ", in order");
        }
        Mqtt5BlockingClient late = v5(again, "late");
        late.connect();
        try (Mqtt5Publishes publishes = late.publishes(MqttGlobalPublishFilter.ALL)) {
            late.subscribeWith().topicFilter("ret/#").send();
            assertEquals(
                    "kept",
                    new String(
                            publishes
                                    .receive(30, TimeUnit.SECONDS)
                                    .orElseThrow()
                                    .getPayloadAsBytes(),
                            StandardCharsets.UTF_8),
                    "the retained message stored before the disk filled");
        }
        // and QoS 1 publishes are stored again
        late.publishWith()
                .topic("q/after")
                .qos(MqttQos.AT_LEAST_ONCE)
                .payload(utf8("after"))
                .send();
        late.disconnect();
    }

    /**
     * QoS 1 publishes of 256 KB (first byte = index) to {@code q/big} until one is refused, which
     * must be with 0x97 Quota exceeded; returns how many were acknowledged before it.
     */
    static int publishUntilQuotaExceeded(Mqtt5BlockingClient pub) {
        byte[] big = new byte[BIG];
        int stored = 0;
        Mqtt5PubAckException quota = null;
        for (int i = 0; i < 100 && quota == null; i++) {
            big[0] = (byte) i;
            try {
                pub.publishWith()
                        .topic("q/big")
                        .qos(MqttQos.AT_LEAST_ONCE)
                        .payload(big)
                        .send();
                stored++;
            } catch (Mqtt5PubAckException e) {
                quota = e;
            }
        }
        assertTrue(quota != null, "3 MB cannot take 25 MB");
        assertEquals(
                Mqtt5PubAckReasonCode.QUOTA_EXCEEDED, quota.getMqttMessage().getReasonCode());
        return stored;
    }

    static JsonNode storeShow(BrokerProcess b, Path dataDir) {
        AdminHttp.Answer a = new AdminHttp(b.httpPort(), AdminHttp.adminKey(dataDir)).get("/api/v1/store/show");
        assertEquals(200, a.status(), a.body());
        return a.json().path("table").get(0);
    }

    /**
     * Under sync = interval RocksDB used to stay stopped after the disk filled ("Writer has previous
     * error": the interval sync of the log whose append had failed made the error fatal); now the
     * store goes read-only with a log line, and once there is room again RocksDB recovers by
     * itself, the store says so, and publishes are stored again, with every message acknowledged
     * before and after in the keeper's queue, in order. No restart in between.
     */
    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void withRoomAgainQos1PublishesAreStoredWithoutARestart() throws Exception {
        Path small = Files.createDirectories(tmp.resolve("small"));
        disk.mount(small);
        Path data = small.resolve("data");
        BrokerProcess broker = start(data);
        keeper(broker, "q/#");
        Mqtt5BlockingClient pub = v5(broker, "pub5");
        pub.connect();
        int stored = publishUntilQuotaExceeded(pub);
        await().atMost(Duration.ofSeconds(10)).until(() -> output(broker).contains(" is read-only from now: "));
        JsonNode readOnly = storeShow(broker, data);
        assertEquals("read-only", readOnly.path("state").asText(), readOnly.toString());
        assertTrue(readOnly.path("read_only_reason").asText().contains("No space left on device"), readOnly.toString());

        disk.grow(small, "64m");
        try {
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(200))
                    .ignoreException(Mqtt5PubAckException.class)
                    .until(() -> pub.publishWith()
                            .topic("q/after")
                            .qos(MqttQos.AT_LEAST_ONCE)
                            .payload(utf8("after"))
                            .send()
                            .getError()
                            .isEmpty());
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("still refused with room on the disk again:\n" + output(broker), e);
        }
        for (int i = 0; i < 3; i++) {
            pub.publishWith()
                    .topic("q/after")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload(utf8("after" + i))
                    .send();
        }
        pub.disconnect();
        await().atMost(Duration.ofSeconds(10)).until(() -> output(broker).contains(" is writable again ("));
        JsonNode writable = storeShow(broker, data);
        assertEquals("writable", writable.path("state").asText(), writable.toString());
        assertEquals(1, writable.path("read_only_times").asLong(), writable.toString());
        assertTrue(!output(broker).contains("Writer has previous error"), output(broker));

        // the same process: the keeper gets what was acknowledged before the disk filled, then after, in order
        List<byte[]> got = drainKeeper(broker, stored + 4);
        for (int i = 0; i < stored; i++) {
            assertEquals(BIG, got.get(i).length, "acknowledged big message " + i);
            assertEquals((byte) i, got.get(i)[0], "acknowledged big message " + i + ", in order");
        }
        assertEquals("after", new String(got.get(stored), StandardCharsets.UTF_8));
        for (int i = 0; i < 3; i++) {
            assertEquals("after" + i, new String(got.get(stored + 1 + i), StandardCharsets.UTF_8));
        }
    }
}
