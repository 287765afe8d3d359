package io.hookline.broker.transport;

import static io.hookline.broker.testsupport.Clients.bytes;
import static io.hookline.broker.testsupport.Clients.text;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient.Mqtt5Publishes;
import io.hookline.broker.testsupport.TestBroker;
import io.hookline.broker.testsupport.TestCertificates;
import io.hookline.broker.testsupport.TestCertificates.Identity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Certificates replaced on disk are picked up for new connections; open ones stay. */
class CertificateReloadTest {

    @TempDir
    Path dir;

    private TestCertificates oldCa;
    private TestCertificates newCa;
    private Path certfile;
    private Path keyfile;
    private TestBroker broker;

    @BeforeEach
    void files() throws Exception {
        oldCa = TestCertificates.authority(dir, "old");
        newCa = TestCertificates.authority(dir, "new");
        Identity server = oldCa.server();
        certfile = Files.copy(server.certFile(), dir.resolve("server.pem"));
        keyfile = Files.copy(server.keyFile(), dir.resolve("server.key"));
    }

    @AfterEach
    void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    private TestBroker start(String reloadInterval) {
        broker = TestBroker.start(
                "listener.ssl.secure",
                "127.0.0.1:0",
                "listener.ssl.certfile",
                certfile.toString(),
                "listener.ssl.keyfile",
                keyfile.toString(),
                "listener.ssl.reload_interval",
                reloadInterval);
        return broker;
    }

    private Mqtt5BlockingClient trusting(TestCertificates ca, String id) {
        return MqttClient.builder()
                .useMqttVersion5()
                .identifier(id)
                .serverHost("127.0.0.1")
                .serverPort(broker.port("ssl", "secure"))
                .sslConfig()
                .trustManagerFactory(ca.trustManagers())
                .applySslConfig()
                .buildBlocking();
    }

    /** Puts the new CA's server certificate and key in place, with a later modification time. */
    private void replaceFiles() throws Exception {
        Identity fresh = newCa.server();
        FileTime later = FileTime.from(Instant.now().plusSeconds(5));
        Files.copy(fresh.certFile(), certfile, StandardCopyOption.REPLACE_EXISTING);
        Files.copy(fresh.keyFile(), keyfile, StandardCopyOption.REPLACE_EXISTING);
        Files.setLastModifiedTime(certfile, later);
        Files.setLastModifiedTime(keyfile, later);
    }

    private static boolean connects(Mqtt5BlockingClient client) {
        try {
            client.connect();
            client.disconnect();
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    @Test
    void changedFilesAreLoadedForNewConnectionsWithoutDroppingOpenOnes() throws Exception {
        start("100ms");
        Mqtt5BlockingClient early = trusting(oldCa, "early");
        early.connect();

        replaceFiles();
        await().atMost(Duration.ofSeconds(10)).until(() -> connects(trusting(newCa, "late")));
        assertFalse(connects(trusting(oldCa, "stale")), "the old certificate is no longer served");

        assertTrue(early.getState().isConnected());
        try (Mqtt5Publishes gets = early.publishes(MqttGlobalPublishFilter.ALL)) {
            early.subscribeWith().topicFilter("still/here").send();
            early.publishWith().topic("still/here").payload(bytes("yes")).send();
            var got = gets.receive(5, TimeUnit.SECONDS);
            assertTrue(got.isPresent());
            assertEquals("yes", text(got.get().getPayloadAsBytes()));
        }
        early.disconnect();
    }

    @Test
    void aBrokenReplacementKeepsTheOldCertificateInUse() throws Exception {
        start("0"); // reloads driven by the test
        MqttListener listener = broker.broker().listeners().stream()
                .filter(l -> l.kind().equals("ssl"))
                .findFirst()
                .orElseThrow();
        assertFalse(listener.reloadCertificatesIfChanged(), "nothing changed yet");

        Files.writeString(certfile, "half-written");
        Files.setLastModifiedTime(certfile, FileTime.from(Instant.now().plusSeconds(5)));
        assertFalse(listener.reloadCertificatesIfChanged());
        assertTrue(connects(trusting(oldCa, "still-old")));

        replaceFiles();
        assertTrue(listener.reloadCertificatesIfChanged());
        assertTrue(connects(trusting(newCa, "new")));
        assertThrows(RuntimeException.class, () -> trusting(oldCa, "old").connect());
    }
}
