package io.hookline.broker.transport;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.hookline.broker.metrics.BrokerMetrics.Counter;
import io.hookline.broker.protocol.MqttConnection;
import io.hookline.broker.session.SessionAccess;
import io.hookline.broker.testsupport.TestBroker;
import io.hookline.broker.testsupport.TestCertificates;
import io.hookline.broker.testsupport.TestCertificates.Identity;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The client's own address from a PROXY protocol header (tcp, ssl) or a trusted X-Forwarded-For (ws). */
class ProxyProtocolTest {

    @TempDir
    Path dir;

    private TestBroker broker;

    @AfterEach
    void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    /** MQTT 3.1.1 CONNECT, clean session, keep alive 60, client id {@code id} (4 characters). */
    private static byte[] connect(String id) {
        return HexFormat.of()
                .parseHex("101000044d5154540402003c0004"
                        + HexFormat.of().formatHex(id.getBytes(StandardCharsets.US_ASCII)));
    }

    private static final byte[] CONNACK_ACCEPTED = {0x20, 0x02, 0x00, 0x00};

    private static byte[] proxyV2(String source, int sourcePort, String destination, int destinationPort)
            throws Exception {
        ByteBuffer b = ByteBuffer.allocate(16 + 12);
        b.put(new byte[] {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A});
        b.put((byte) 0x21).put((byte) 0x11).putShort((short) 12); // v2 PROXY, TCP over IPv4, 12 address bytes
        b.put(java.net.InetAddress.getByName(source).getAddress());
        b.put(java.net.InetAddress.getByName(destination).getAddress());
        b.putShort((short) sourcePort).putShort((short) destinationPort);
        return b.array();
    }

    private MqttConnection connection(String clientId) {
        await().atMost(Duration.ofSeconds(5)).until(() -> SessionAccess.connection(broker.broker(), clientId) != null);
        return SessionAccess.connection(broker.broker(), clientId);
    }

    private static void assertConnAck(InputStream in) throws Exception {
        assertArrayEquals(CONNACK_ACCEPTED, in.readNBytes(4));
    }

    @Test
    void proxyV1HeaderGivesTheClientAddress() throws Exception {
        broker = TestBroker.start("listener.tcp.lb", "127.0.0.1:0", "listener.tcp.lb.proxy_protocol", "on");
        try (Socket s = new Socket("127.0.0.1", broker.port("tcp", "lb"))) {
            OutputStream out = s.getOutputStream();
            out.write("PROXY TCP4 203.0.113.7 127.0.0.1 51000 1883\r\n".getBytes(StandardCharsets.US_ASCII));
            out.write(connect("prx1"));
            assertConnAck(s.getInputStream());
            assertEquals(
                    new InetSocketAddress("203.0.113.7", 51000),
                    connection("prx1").peerAddress());
        }
    }

    @Test
    void proxyV2HeaderInFrontOfTls() throws Exception {
        TestCertificates certs = TestCertificates.authority(dir, "proxy");
        Identity server = certs.server();
        broker = TestBroker.start(
                "listener.ssl.lb",
                "127.0.0.1:0",
                "listener.ssl.lb.proxy_protocol",
                "on",
                "listener.ssl.certfile",
                server.certFile().toString(),
                "listener.ssl.keyfile",
                server.keyFile().toString());
        int port = broker.port("ssl", "lb");
        try (Socket plain = new Socket("127.0.0.1", port)) {
            plain.getOutputStream().write(proxyV2("198.51.100.20", 40000, "127.0.0.1", port));
            SSLContext tls = SSLContext.getInstance("TLS");
            tls.init(null, certs.trustManagers().getTrustManagers(), null);
            try (SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket(plain, "127.0.0.1", port, true)) {
                s.getOutputStream().write(connect("prx2"));
                assertConnAck(s.getInputStream());
                assertEquals(
                        new InetSocketAddress("198.51.100.20", 40000),
                        connection("prx2").peerAddress());
            }
        }
    }

    @Test
    void connectionWithoutTheHeaderIsClosedAndCounted() throws Exception {
        broker = TestBroker.start("listener.tcp.lb", "127.0.0.1:0", "listener.tcp.lb.proxy_protocol", "on");
        try (Socket s = new Socket("127.0.0.1", broker.port("tcp", "lb"))) {
            s.getOutputStream().write(connect("prx3"));
            assertEquals(-1, s.getInputStream().read());
        }
        await().atMost(Duration.ofSeconds(5))
                .until(() -> broker.broker().metrics().get(Counter.PROXY_PROTOCOL_ERRORS) == 1);
    }

    @Test
    void aMalformedHeaderAfterAValidSignatureIsClosedAndCounted() throws Exception {
        broker = TestBroker.start("listener.tcp.lb", "127.0.0.1:0", "listener.tcp.lb.proxy_protocol", "on");
        try (Socket s = new Socket("127.0.0.1", broker.port("tcp", "lb"))) {
            OutputStream out = s.getOutputStream();
            out.write("PROXY TCP4 not-an-address 127.0.0.1 51000 1883\r\n".getBytes(StandardCharsets.US_ASCII));
            out.write(connect("prx4"));
            assertEquals(-1, s.getInputStream().read());
        }
        await().atMost(Duration.ofSeconds(5))
                .until(() -> broker.broker().metrics().get(Counter.PROXY_PROTOCOL_ERRORS) == 1);
    }

    @Test
    void aLocalHeaderKeepsTheSocketAddress() throws Exception {
        broker = TestBroker.start("listener.tcp.lb", "127.0.0.1:0", "listener.tcp.lb.proxy_protocol", "on");
        try (Socket s = new Socket("127.0.0.1", broker.port("tcp", "lb"))) {
            OutputStream out = s.getOutputStream();
            // v2 signature, LOCAL command (a balancer's health check), unspecified family, no address bytes
            out.write(new byte[] {
                0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A, 0x20, 0x00, 0x00, 0x00
            });
            out.write(connect("prx5"));
            assertConnAck(s.getInputStream());
            assertEquals(
                    new InetSocketAddress("127.0.0.1", s.getLocalPort()),
                    connection("prx5").peerAddress());
        }
        assertEquals(0, broker.broker().metrics().get(Counter.PROXY_PROTOCOL_ERRORS));
    }

    @Test
    void xForwardedForIsBelievedOnlyFromATrustedProxy() throws Exception {
        broker = TestBroker.start(
                "listener.ws.trusting",
                "127.0.0.1:0",
                "listener.ws.trusting.trusted_proxies",
                "127.0.0.0/8",
                "listener.ws.wary",
                "127.0.0.1:0",
                "listener.ws.wary.trusted_proxies",
                "10.0.0.1");
        openWebSocket("trusting", "xff1");
        openWebSocket("wary", "xff2");
        assertEquals(
                new InetSocketAddress("198.51.100.9", 0), connection("xff1").peerAddress());
        InetSocketAddress direct = connection("xff2").peerAddress();
        assertNotNull(direct);
        assertEquals("127.0.0.1", direct.getAddress().getHostAddress());
    }

    private void openWebSocket(String listener, String clientId) {
        WebSocket ws = HttpClient.newHttpClient()
                .newWebSocketBuilder()
                .subprotocols("mqtt")
                .header("X-Forwarded-For", "198.51.100.9")
                .buildAsync(
                        URI.create("ws://127.0.0.1:" + broker.port("ws", listener) + "/mqtt"),
                        new WebSocket.Listener() {})
                .join();
        ws.sendBinary(ByteBuffer.wrap(connect(clientId)), true).join();
    }
}
