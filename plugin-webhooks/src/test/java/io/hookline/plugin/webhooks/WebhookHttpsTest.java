package io.hookline.plugin.webhooks;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.hivemq.client.mqtt.mqtt3.exceptions.Mqtt3ConnAckException;
import io.hookline.broker.testsupport.Clients;
import io.hookline.broker.testsupport.TestBroker;
import io.hookline.broker.testsupport.TestCertificates;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** https endpoints: trusted through webhooks.ca_file; without it the JVM trust store refuses a private CA. */
class WebhookHttpsTest {
    @TempDir
    Path dir;

    @Test
    void httpsEndpointSignedByTheConfiguredCa() throws Exception {
        TestCertificates ca = TestCertificates.authority(dir, "hooks-ca");
        TestCertificates.Identity server = ca.server();
        Path keystore = dir.resolve("server.p12");
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("server", server.keys().getPrivate(), "pw".toCharArray(), new Certificate[] {
            server.certificate(), ca.ca().certificate()
        });
        try (OutputStream out = Files.newOutputStream(keystore)) {
            ks.store(out, "pw".toCharArray());
        }
        WireMockServer https = new WireMockServer(options()
                .httpDisabled(true)
                .dynamicHttpsPort()
                .bindAddress("127.0.0.1")
                .keystorePath(keystore.toString())
                .keystoreType("PKCS12")
                .keystorePassword("pw")
                .keyManagerPassword("pw"));
        https.start();
        List<TestBroker> brokers = new ArrayList<>();
        try {
            https.stubFor(post(urlPathEqualTo("/auth"))
                    .willReturn(aResponse().withStatus(200).withBody("{\"result\":{\"error\":\"from_https\"}}")));
            String url = "https://127.0.0.1:" + https.httpsPort() + "/auth";
            TestBroker trusting = TestBroker.start(
                    "plugins.webhooks",
                    "on",
                    "data_dir",
                    dir.resolve("d1").toString(),
                    "webhooks.a.hook",
                    "auth_on_register",
                    "webhooks.a.endpoint",
                    url,
                    "webhooks.a.on_error",
                    "allow",
                    "webhooks.ca_file",
                    ca.caFile().toString());
            brokers.add(trusting);
            // the endpoint's own "error" answer comes through: TLS worked (a TLS failure would allow)
            assertThrows(
                    Mqtt3ConnAckException.class,
                    () -> Clients.v3(trusting, "tls").toBlocking().connect());
            assertEquals(
                    1,
                    https.findAll(com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor(
                                    com.github.tomakehurst.wiremock.client.WireMock.anyUrl()))
                            .size());

            TestBroker jvmTrust = TestBroker.start(
                    "plugins.webhooks",
                    "on",
                    "data_dir",
                    dir.resolve("d2").toString(),
                    "webhooks.a.hook",
                    "auth_on_register",
                    "webhooks.a.endpoint",
                    url,
                    "webhooks.a.on_error",
                    "allow");
            brokers.add(jvmTrust);
            Clients.v3Connected(jvmTrust, "untrusted").disconnect(); // TLS failed -> on_error allow
            assertEquals(1L, WebhookFixture.api(jvmTrust).show().get(0).get("errors"));
        } finally {
            brokers.forEach(TestBroker::close);
            https.stop();
        }
    }

    @Test
    void aCaFileWithoutCertificatesStopsThePlugin() throws Exception {
        Path empty = Files.writeString(dir.resolve("empty.pem"), "not a certificate\n");
        try (TestBroker b = TestBroker.start(
                "plugins.webhooks", "on", "data_dir", dir.toString(), "webhooks.ca_file", empty.toString())) {
            String problem = WebhookFixture.status(b).problem();
            assertTrue(
                    problem.contains("webhooks.ca_file: " + empty + ": ")
                            && problem.toLowerCase().contains("no certificate"),
                    problem);
        }
    }
}
