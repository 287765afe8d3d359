package io.hookline.broker.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hookline.broker.Broker;
import io.hookline.broker.config.Config;
import io.hookline.broker.testsupport.BrokerProcess;
import io.hookline.broker.testsupport.TestCertificates;
import io.hookline.broker.testsupport.TestCertificates.Identity;
import io.hookline.broker.transport.MqttListener.ListenerException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A listener that cannot start stops the broker's start with a message naming it and the file or address. */
class ListenerStartFailureTest {

    @TempDir
    Path dir;

    private Identity server;

    @BeforeEach
    void makeCertificates() {
        server = TestCertificates.authority(dir, "ca").server();
    }

    private static String startFailure(String... keyValues) throws Exception {
        Map<String, String> values = new LinkedHashMap<>();
        values.put("listener.tcp.default", "127.0.0.1:0");
        values.put("systree_interval", "0");
        values.put("persistence", "off"); // listeners only: no store under the module's data/
        for (int i = 0; i + 1 < keyValues.length; i += 2) {
            values.put(keyValues[i], keyValues[i + 1]);
        }
        Broker broker = new Broker(Config.of(values));
        try {
            ListenerException e = assertThrows(ListenerException.class, broker::start);
            assertTrue(broker.listeners().isEmpty(), "listeners opened before the failure are closed again");
            return e.getMessage();
        } finally {
            broker.close();
        }
    }

    private String[] ssl(String certfile, String keyfile) {
        return new String[] {
            "listener.ssl.secure",
            "127.0.0.1:0",
            "listener.ssl.secure.certfile",
            certfile,
            "listener.ssl.secure.keyfile",
            keyfile
        };
    }

    /**
     * listener.ssl.secure on the certificate and key shared by all ssl listeners
     * (listener.ssl.certfile/keyfile: the server identity), with {@code more} key/values.
     */
    private String[] sslShared(String... more) {
        List<String> keyValues = new ArrayList<>(List.of(
                "listener.ssl.secure",
                "127.0.0.1:0",
                "listener.ssl.certfile",
                server.certFile().toString(),
                "listener.ssl.keyfile",
                server.keyFile().toString()));
        keyValues.addAll(List.of(more));
        return keyValues.toArray(String[]::new);
    }

    @Test
    void missingCertificateFile() throws Exception {
        Path missing = dir.resolve("missing.pem");
        assertEquals(
                "listener.ssl.secure: certfile " + missing + ": file not found",
                startFailure(ssl(missing.toString(), server.keyFile().toString())));
    }

    @Test
    void missingKeyFile() throws Exception {
        Path missing = dir.resolve("missing.key");
        assertEquals(
                "listener.ssl.secure: keyfile " + missing + ": file not found",
                startFailure(ssl(server.certFile().toString(), missing.toString())));
    }

    @Test
    void unreadableCertificateFile() throws Exception {
        Path directory = Files.createDirectory(dir.resolve("a-directory"));
        String message = startFailure(ssl(directory.toString(), server.keyFile().toString()));
        assertTrue(message.startsWith("listener.ssl.secure: certfile " + directory + ": cannot read it"), message);
    }

    @Test
    void certificateFileWithoutACertificate() throws Exception {
        Path notPem = Files.writeString(dir.resolve("notes.txt"), "not a certificate\n");
        assertEquals(
                "listener.ssl.secure: certfile " + notPem + ": no PEM certificate in it",
                startFailure(ssl(notPem.toString(), server.keyFile().toString())));
    }

    @Test
    void keyThatDoesNotMatchTheCertificate() throws Exception {
        Identity other = TestCertificates.authority(dir, "other").server();
        assertEquals(
                "listener.ssl.secure: keyfile " + other.keyFile() + " does not match certfile " + server.certFile(),
                startFailure(ssl(server.certFile().toString(), other.keyFile().toString())));
    }

    @Test
    void traditionalOpenSslKeyIsExplained() throws Exception {
        Path rsa = Files.writeString(
                dir.resolve("old.key"),
                TestCertificates.pem("RSA PRIVATE KEY", new byte[] {1, 2, 3}),
                StandardCharsets.US_ASCII);
        assertEquals(
                "listener.ssl.secure: keyfile " + rsa + ": a traditional OpenSSL key; convert it to PKCS#8:"
                        + " openssl pkcs8 -topk8 -nocrypt -in " + rsa + " -out key.pk8.pem",
                startFailure(ssl(server.certFile().toString(), rsa.toString())));
    }

    @Test
    void noCertificateConfigured() throws Exception {
        assertEquals(
                "listener.wss.web: no certfile configured (set listener.wss.web.certfile or"
                        + " listener.ssl.certfile)",
                startFailure("listener.wss.web", "127.0.0.1:0"));
    }

    @Test
    void requireCertificateWithoutCaFile() throws Exception {
        assertEquals(
                "listener.ssl.secure: require_certificate needs a cafile to check client certificates against",
                startFailure(sslShared("listener.ssl.require_certificate", "on")));
    }

    @Test
    void identityAsUsernameWithoutCaFile() throws Exception {
        assertEquals(
                "listener.ssl.secure: use_identity_as_username needs a cafile to check client certificates"
                        + " against",
                startFailure(sslShared("listener.ssl.secure.use_identity_as_username", "on")));
    }

    @Test
    void sharedTlsKeyUsedAsAListenerName() throws Exception {
        assertEquals(
                "listener.ssl.certfile = 0.0.0.0:8883: this key is the file shared by all ssl and wss"
                        + " listeners, not a listener; choose another listener name",
                startFailure("listener.ssl.certfile", "0.0.0.0:8883"));
    }

    @Test
    void webSocketPathWithoutSlash() throws Exception {
        assertEquals(
                "listener.ws.web: path 'mqtt' must start with /",
                startFailure("listener.ws.web", "127.0.0.1:0", "listener.ws.web.path", "mqtt"));
    }

    @Test
    void unsupportedTlsVersion() throws Exception {
        String message = startFailure(sslShared("listener.ssl.tls_versions", "TLSv1.3,TLSv9"));
        assertTrue(
                message.startsWith(
                        "listener.ssl.secure: tls_versions: 'TLSv9' is not supported by this JDK" + " (supported: "),
                message);
    }

    @Test
    void portInUse() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            String message = startFailure("listener.ws.web", "127.0.0.1:" + port);
            assertTrue(message.startsWith("listener.ws.web: could not bind 127.0.0.1:" + port + ": "), message);
            assertTrue(message.endsWith("Address already in use"), message);
        }
    }

    @Test
    void mainExitsWith1PrintingTheProblem() throws IOException, InterruptedException {
        Path missing = dir.resolve("gone.pem");
        Path conf = Files.writeString(
                dir.resolve("broker.conf"),
                String.join(
                        "\n",
                        "listener.tcp.default = 127.0.0.1:0",
                        "listener.ssl.secure = 127.0.0.1:0",
                        "listener.ssl.certfile = " + missing,
                        "listener.ssl.keyfile = " + server.keyFile(),
                        ""));
        Process p = new ProcessBuilder(BrokerProcess.mainCommand(List.of(), "--config", conf.toString()))
                .redirectErrorStream(true)
                .start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "bin/broker should stop by itself");
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(1, p.exitValue(), output);
        assertTrue(output.contains("listener.ssl.secure: certfile " + missing + ": file not found"), output);
    }
}
