package io.hookline.broker.transport;

import static io.hookline.broker.testsupport.Clients.bytes;
import static io.hookline.broker.testsupport.Clients.text;
import static io.hookline.broker.testsupport.Receive.next;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient.Mqtt5Publishes;
import com.hivemq.client.mqtt.mqtt5.Mqtt5ClientBuilder;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.hookline.broker.metrics.BrokerMetrics.Counter;
import io.hookline.broker.protocol.MqttConnection;
import io.hookline.broker.session.SessionAccess;
import io.hookline.broker.testsupport.TestBroker;
import io.hookline.broker.testsupport.TestCertificates;
import io.hookline.broker.testsupport.TestCertificates.Identity;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** MQTT over TLS with an independent client (HiveMQ MQTT Client), certificates made per test. */
class TlsListenerTest {

    @TempDir
    Path dir;

    private TestCertificates certs;
    private Identity server;
    private TestBroker broker;

    @BeforeEach
    void makeCertificates() {
        certs = TestCertificates.authority(dir, "main");
        server = certs.server();
    }

    @AfterEach
    void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    private TestBroker start(String... extra) {
        String[] base = {
            "listener.ssl.secure", "127.0.0.1:0",
            "listener.ssl.certfile", server.certFile().toString(),
            "listener.ssl.keyfile", server.keyFile().toString()
        };
        String[] all = new String[base.length + extra.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(extra, 0, all, base.length, extra.length);
        broker = TestBroker.start(all);
        return broker;
    }

    private Mqtt5ClientBuilder client(String id, Identity identity) {
        var ssl = MqttClient.builder()
                .useMqttVersion5()
                .identifier(id)
                .serverHost("127.0.0.1")
                .serverPort(broker.port("ssl", "secure"))
                .sslConfig()
                .trustManagerFactory(certs.trustManagers());
        if (identity != null) {
            ssl = ssl.keyManagerFactory(identity.keyManagers());
        }
        return ssl.applySslConfig();
    }

    @Test
    void tlsClientWithoutCertificatePublishesAndSubscribes() throws Exception {
        start();
        Mqtt5BlockingClient sub = client("sub", null).buildBlocking();
        Mqtt5BlockingClient pub = client("pub", null).buildBlocking();
        sub.connect();
        pub.connect();
        try (Mqtt5Publishes publishes = sub.publishes(MqttGlobalPublishFilter.ALL)) {
            sub.subscribeWith().topicFilter("t/#").qos(MqttQos.AT_LEAST_ONCE).send();
            pub.publishWith()
                    .topic("t/1")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload(bytes("over tls"))
                    .send();
            Mqtt5Publish got = next(publishes);
            assertEquals("t/1", got.getTopic().toString());
            assertEquals("over tls", text(got.getPayloadAsBytes()));
        }
        sub.disconnect();
        pub.disconnect();
    }

    @Test
    void clientCertificateIsAcceptedWhenTheCaIsConfigured() {
        start("listener.ssl.cafile", certs.caFile().toString());
        Mqtt5BlockingClient with = client("with-cert", certs.client("dev-1")).buildBlocking();
        with.connect();
        Mqtt5BlockingClient without = client("without-cert", null).buildBlocking();
        without.connect(); // not required: optional
        with.disconnect();
        without.disconnect();
    }

    @Test
    void requireCertificateRefusesAClientWithoutOneAndCountsTheHandshakeFailure() {
        start("listener.ssl.secure.cafile", certs.caFile().toString(), "listener.ssl.secure.require_certificate", "on");
        Mqtt5BlockingClient without = client("without-cert", null).buildBlocking();
        assertThrows(RuntimeException.class, without::connect);
        await().atMost(Duration.ofSeconds(5))
                .until(() -> broker.broker().metrics().get(Counter.TLS_HANDSHAKE_FAILURES) >= 1);

        Mqtt5BlockingClient with = client("with-cert", certs.client("dev-1")).buildBlocking();
        with.connect();
        with.disconnect();
    }

    @Test
    void certificateFromAnotherCaIsRefused() {
        start("listener.ssl.cafile", certs.caFile().toString(), "listener.ssl.require_certificate", "on");
        TestCertificates other = TestCertificates.authority(dir, "other");
        Mqtt5BlockingClient stranger = client("stranger", other.client("dev-1")).buildBlocking();
        assertThrows(RuntimeException.class, stranger::connect);
        await().atMost(Duration.ofSeconds(5))
                .until(() -> broker.broker().metrics().get(Counter.TLS_HANDSHAKE_FAILURES) >= 1);
    }

    @Test
    void identityAsUsernameAuthenticatesByCertificateWhenAnonymousIsOff() throws Exception {
        start(
                "allow_anonymous",
                "off",
                "listener.ssl.cafile",
                certs.caFile().toString(),
                "listener.ssl.secure.use_identity_as_username",
                "on");
        Identity sensor = certs.client("sensor-1");
        Mqtt5BlockingClient certified = client("certified", sensor).buildBlocking();
        certified.connect();
        MqttConnection connection = SessionAccess.connection(broker.broker(), "certified");
        assertEquals("sensor-1", connection.username());
        assertEquals(
                "CN=sensor-1,O=Hookline tests", connection.clientCertificate().subject());
        assertEquals(
                HexFormat.of()
                        .formatHex(MessageDigest.getInstance("SHA-256")
                                .digest(sensor.certificate().getEncoded())),
                connection.clientCertificate().fingerprint());
        assertEquals("secure", connection.listener().name());
        certified.disconnect();

        Mqtt5BlockingClient anonymous = client("anonymous", null).buildBlocking();
        Mqtt5ConnAckException refused = assertThrows(Mqtt5ConnAckException.class, anonymous::connect);
        assertEquals(
                Mqtt5ConnAckReasonCode.NOT_AUTHORIZED, refused.getMqttMessage().getReasonCode());
    }

    @Test
    void mosquittoClientsWithAClientCertificate() throws Exception {
        Assumptions.assumeTrue(onPath("mosquitto_pub"), "mosquitto_pub is not installed");
        start(
                "allow_anonymous",
                "off",
                "listener.ssl.cafile",
                certs.caFile().toString(),
                "listener.ssl.require_certificate",
                "on",
                "listener.ssl.use_identity_as_username",
                "on");
        Identity device = certs.client("device-7");
        Mqtt5BlockingClient sub = client("sub", certs.client("backend")).buildBlocking();
        sub.connect();
        try (Mqtt5Publishes publishes = sub.publishes(MqttGlobalPublishFilter.ALL)) {
            sub.subscribeWith().topicFilter("devices/#").send();
            Process pub = new ProcessBuilder(
                            "mosquitto_pub",
                            "-h",
                            "127.0.0.1",
                            "-p",
                            String.valueOf(broker.port("ssl", "secure")),
                            "--cafile",
                            certs.caFile().toString(),
                            "--cert",
                            device.certFile().toString(),
                            "--key",
                            device.keyFile().toString(),
                            "-t",
                            "devices/7",
                            "-m",
                            "from mosquitto",
                            "-q",
                            "1")
                    .redirectErrorStream(true)
                    .start();
            assertTrue(pub.waitFor(20, TimeUnit.SECONDS));
            assertEquals(0, pub.exitValue(), new String(pub.getInputStream().readAllBytes()));
            assertEquals("from mosquitto", text(next(publishes).getPayloadAsBytes()));
        }
        sub.disconnect();
    }

    private static boolean onPath(String command) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (java.nio.file.Files.isExecutable(Path.of(dir, command))) {
                return true;
            }
        }
        return false;
    }

    @Test
    void tlsVersionsAreLimitedAsConfigured() {
        start("listener.ssl.secure.tls_versions", "TLSv1.3");
        Mqtt5BlockingClient old = MqttClient.builder()
                .useMqttVersion5()
                .identifier("old")
                .serverHost("127.0.0.1")
                .serverPort(broker.port("ssl", "secure"))
                .sslConfig()
                .trustManagerFactory(certs.trustManagers())
                .protocols(java.util.List.of("TLSv1.2"))
                .applySslConfig()
                .buildBlocking();
        assertThrows(RuntimeException.class, old::connect);
        Mqtt5BlockingClient current = client("current", null).buildBlocking();
        current.connect();
        current.disconnect();
    }
}
