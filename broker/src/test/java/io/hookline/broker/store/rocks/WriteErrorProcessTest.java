package io.hookline.broker.store.rocks;

import static io.hookline.broker.store.rocks.DiskFullProcessTest.BIG;
import static io.hookline.broker.store.rocks.DiskFullProcessTest.config;
import static io.hookline.broker.store.rocks.DiskFullProcessTest.drainKeeper;
import static io.hookline.broker.store.rocks.DiskFullProcessTest.keeper;
import static io.hookline.broker.store.rocks.DiskFullProcessTest.publishUntilQuotaExceeded;
import static io.hookline.broker.store.rocks.DiskFullProcessTest.storeShow;
import static io.hookline.broker.store.rocks.DiskFullProcessTest.v5;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient.Mqtt5Publishes;
import io.hookline.broker.testsupport.BrokerProcess;
import io.hookline.broker.testsupport.BrokerProcesses;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A write error that is not a full disk, provoked for real: the broker process may write files of
 * at most 2 MiB (RLIMIT_FSIZE), so appending to the write-ahead log past that fails with EFBIG,
 * "File too large". The defined behaviour is the full disk's, except that RocksDB takes such an
 * error for a fatal one and does not resume by itself: the store goes read-only with one log line
 * that says to fix the cause and restart; QoS 1/2 publishes are refused (v5 0x97) while the
 * broker keeps serving what needs no store; nothing acknowledged before is lost across the
 * restart. (RocksDB's native library is loaded from a copy made here: extracted by the broker
 * at start it would itself be a file over the limit.)
 */
class WriteErrorProcessTest {

    @TempDir
    Path tmp;

    @RegisterExtension
    final BrokerProcesses processes = new BrokerProcesses();

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES) // two broker processes on a busy machine
    void aWriteErrorOtherThanAFullDiskMakesTheStoreReadOnlyUntilARestartAndLosesNothingAcknowledged() throws Exception {
        List<String> jvm = new ArrayList<>(CrashRecoveryProcessTest.JVM);
        jvm.add("-Djava.library.path=" + rocksLibrary(tmp.resolve("lib")));
        Path data = tmp.resolve("data");
        BrokerProcess broker = processes.add(BrokerProcess.startWithFileSizeLimit(tmp, 2048, jvm, config(data)));
        keeper(broker, "q/#");
        Mqtt5BlockingClient pub = v5(broker, "pub5");
        pub.connect();
        int stored = publishUntilQuotaExceeded(pub); // 0x97, as for a full disk
        await().atMost(Duration.ofSeconds(10)).until(() -> output(broker).contains(" is read-only from now: "));
        String log = output(broker);
        assertTrue(log.contains("File too large"), log);
        assertTrue(log.contains("If writes do not resume by themselves, fix the cause and restart the broker."), log);
        assertFalse(log.contains("Writes resume by themselves once the disk has room again"), log);
        JsonNode show = storeShow(broker, data);
        assertEquals("read-only", show.path("state").asText(), show.toString());
        assertTrue(show.path("read_only_reason").asText().contains("File too large"), show.toString());

        // the broker keeps serving what needs no store: a clean session's QoS 0 traffic
        Mqtt5BlockingClient other = v5(broker, "other");
        other.connect();
        try (Mqtt5Publishes publishes = other.publishes(MqttGlobalPublishFilter.ALL)) {
            other.subscribeWith().topicFilter("live").qos(MqttQos.AT_MOST_ONCE).send();
            pub.publishWith()
                    .topic("live")
                    .qos(MqttQos.AT_MOST_ONCE)
                    .payload(new byte[] {1})
                    .send();
            assertTrue(publishes.receive(30, TimeUnit.SECONDS).isPresent(), "QoS 0 still served");
        }
        other.disconnect();
        pub.disconnect();

        // the cause fixed (no limit) and a restart: every acknowledged message is there, in order
        broker.stop();
        BrokerProcess again = processes.start(tmp, CrashRecoveryProcessTest.JVM, config(data));
        List<byte[]> got = drainKeeper(again, stored);
        for (int i = 0; i < stored; i++) {
            assertEquals(BIG, got.get(i).length, "acknowledged message " + i);
            assertEquals((byte) i, got.get(i)[0], "acknowledged message " + i + ", in order");
        }
        Mqtt5BlockingClient late = v5(again, "late");
        late.connect();
        late.publishWith()
                .topic("q/after")
                .qos(MqttQos.AT_LEAST_ONCE)
                .payload("after".getBytes(StandardCharsets.UTF_8))
                .send(); // stored again: no 0x97
        late.disconnect();
    }

    private static String output(BrokerProcess p) {
        return String.join("\n", p.output());
    }

    /** RocksDB's Linux library copied out of the rocksdbjni jar into {@code dir}, as java.library.path finds it. */
    private static Path rocksLibrary(Path dir) throws Exception {
        Path jar = Path.of(org.rocksdb.RocksDB.class
                .getProtectionDomain()
                .getCodeSource()
                .getLocation()
                .toURI());
        Files.createDirectories(dir);
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            ZipEntry e = zip.getEntry("librocksdbjni-linux64.so");
            org.junit.jupiter.api.Assumptions.assumeTrue(e != null, "a Linux x86-64 build of RocksDB");
            try (InputStream in = zip.getInputStream(e)) {
                Files.copy(in, dir.resolve("librocksdbjni.so"), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        return dir;
    }
}
