package io.hookline.broker.transport;

import static io.hookline.broker.testsupport.Clients.bytes;
import static io.hookline.broker.testsupport.Clients.text;
import static io.hookline.broker.testsupport.Receive.next;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient.Mqtt5Publishes;
import io.hookline.broker.metrics.BrokerMetrics.Counter;
import io.hookline.broker.testsupport.Clients;
import io.hookline.broker.testsupport.TestBroker;
import io.hookline.broker.testsupport.TestCertificates;
import io.hookline.broker.testsupport.TestCertificates.Identity;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** MQTT over WebSocket: HiveMQ's WebSocket transport, and a raw client that controls the frames. */
class WebSocketListenerTest {

    @TempDir
    Path dir;

    private TestBroker broker;

    @AfterEach
    void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void webSocketClientTalksToTcpClient() throws Exception {
        broker = TestBroker.start("listener.ws.web", "127.0.0.1:0");
        Mqtt5BlockingClient ws = MqttClient.builder()
                .useMqttVersion5()
                .identifier("browser")
                .serverHost("127.0.0.1")
                .serverPort(broker.port("ws", "web"))
                .webSocketConfig()
                .serverPath("mqtt")
                .subprotocol("mqtt")
                .applyWebSocketConfig()
                .buildBlocking();
        ws.connect();
        Mqtt5BlockingClient tcp = Clients.v5Connected(broker, "tcp");
        try (Mqtt5Publishes wsGets = ws.publishes(MqttGlobalPublishFilter.ALL);
                Mqtt5Publishes tcpGets = tcp.publishes(MqttGlobalPublishFilter.ALL)) {
            ws.subscribeWith().topicFilter("to/ws").qos(MqttQos.EXACTLY_ONCE).send();
            tcp.subscribeWith().topicFilter("to/tcp").qos(MqttQos.AT_LEAST_ONCE).send();
            tcp.publishWith()
                    .topic("to/ws")
                    .qos(MqttQos.EXACTLY_ONCE)
                    .payload(new byte[100_000])
                    .send();
            ws.publishWith()
                    .topic("to/tcp")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload(bytes("from ws"))
                    .send();
            assertEquals(100_000, next(wsGets).getPayloadAsBytes().length);
            assertEquals("from ws", text(next(tcpGets).getPayloadAsBytes()));
        }
        ws.disconnect();
        tcp.disconnect();
    }

    @Test
    void mqtt311ClientOverWebSocketWithTheOldSubprotocolName() {
        broker = TestBroker.start("listener.ws.web", "127.0.0.1:0", "listener.ws.web.path", "/ws");
        Mqtt3BlockingClient ws = MqttClient.builder()
                .useMqttVersion3()
                .identifier("old")
                .serverHost("127.0.0.1")
                .serverPort(broker.port("ws", "web"))
                .webSocketConfig()
                .serverPath("ws")
                .subprotocol("mqttv3.1")
                .applyWebSocketConfig()
                .buildBlocking();
        ws.connect();
        ws.disconnect();
    }

    @Test
    void secureWebSocketListener() throws Exception {
        TestCertificates certs = TestCertificates.authority(dir, "wss");
        Identity server = certs.server();
        broker = TestBroker.start(
                "listener.wss.web",
                "127.0.0.1:0",
                "listener.wss.web.certfile",
                server.certFile().toString(),
                "listener.wss.web.keyfile",
                server.keyFile().toString());
        Mqtt5BlockingClient wss = MqttClient.builder()
                .useMqttVersion5()
                .identifier("secure-browser")
                .serverHost("127.0.0.1")
                .serverPort(broker.port("wss", "web"))
                .sslConfig()
                .trustManagerFactory(certs.trustManagers())
                .applySslConfig()
                .webSocketConfig()
                .serverPath("mqtt")
                .applyWebSocketConfig()
                .buildBlocking();
        wss.connect();
        try (Mqtt5Publishes gets = wss.publishes(MqttGlobalPublishFilter.ALL)) {
            wss.subscribeWith().topicFilter("echo").send();
            wss.publishWith().topic("echo").payload(bytes("hi")).send();
            assertEquals("hi", text(next(gets).getPayloadAsBytes()));
        }
        wss.disconnect();
    }

    /** Collects every binary message the broker sends. */
    private static final class Collector implements WebSocket.Listener {
        final ByteArrayOutputStream received = new ByteArrayOutputStream();
        final CompletableFuture<Integer> closed = new CompletableFuture<>();

        @Override
        public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
            synchronized (received) {
                byte[] b = new byte[data.remaining()];
                data.get(b);
                received.writeBytes(b);
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
            closed.complete(statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            closed.completeExceptionally(error);
        }

        String hex() {
            synchronized (received) {
                return HexFormat.of().formatHex(received.toByteArray());
            }
        }
    }

    private static final byte[] CONNECT =
            HexFormat.of().parseHex("101000044d5154540402003c000472617731"); // 3.1.1, clean, keep alive 60, id "raw1"
    private static final byte[] SUBSCRIBE = HexFormat.of().parseHex("820800010003612f6200"); // id 1, "a/b" qos 0
    private static final byte[] PUBLISH = HexFormat.of().parseHex("3007" + "0003612f62" + "6869"); // "a/b" "hi"

    private WebSocket open(Collector collector) {
        return HttpClient.newHttpClient()
                .newWebSocketBuilder()
                .subprotocols("mqtt")
                .buildAsync(URI.create("ws://127.0.0.1:" + broker.port("ws", "web") + "/mqtt"), collector)
                .join();
    }

    @Test
    void packetsSplitOverFramesAndPackedIntoOneFrameAreBothHandled() {
        broker = TestBroker.start("listener.ws.web", "127.0.0.1:0");
        Collector collector = new Collector();
        WebSocket ws = open(collector);
        assertEquals("mqtt", ws.getSubprotocol());
        // CONNECT in three frames: a complete binary message, then a fragmented one (binary + continuation)
        ws.sendBinary(ByteBuffer.wrap(CONNECT, 0, 3), true).join();
        ws.sendBinary(ByteBuffer.wrap(CONNECT, 3, 7), false).join();
        ws.sendBinary(ByteBuffer.wrap(CONNECT, 10, CONNECT.length - 10), true).join();
        await().atMost(Duration.ofSeconds(5)).until(() -> collector.hex().equals("20020000")); // CONNACK accepted
        // SUBSCRIBE and a PUBLISH to the same topic in one frame
        byte[] both = Arrays.copyOf(SUBSCRIBE, SUBSCRIBE.length + PUBLISH.length);
        System.arraycopy(PUBLISH, 0, both, SUBSCRIBE.length, PUBLISH.length);
        ws.sendBinary(ByteBuffer.wrap(both), true).join();
        // SUBACK (granted 0), then the message back
        await().atMost(Duration.ofSeconds(5))
                .until(() -> collector
                        .hex()
                        .equals("20020000" + "9003000100" + HexFormat.of().formatHex(PUBLISH)));
        ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").join();
    }

    @Test
    void textFrameClosesTheConnection() {
        broker = TestBroker.start("listener.ws.web", "127.0.0.1:0");
        Collector collector = new Collector();
        WebSocket ws = open(collector);
        ws.sendText("CONNECT please", true).join();
        assertEquals(1003, collector.closed.orTimeout(5, TimeUnit.SECONDS).join());
    }

    @Test
    void plainHttpRequestGets400AndIsCounted() throws Exception {
        broker = TestBroker.start("listener.ws.web", "127.0.0.1:0");
        HttpClient http = HttpClient.newHttpClient();
        String base = "http://127.0.0.1:" + broker.port("ws", "web");
        HttpResponse<String> upgradeMissing = http.send(
                HttpRequest.newBuilder(URI.create(base + "/mqtt")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(400, upgradeMissing.statusCode());
        HttpResponse<String> otherPath = http.send(
                HttpRequest.newBuilder(URI.create(base + "/index.html")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(404, otherPath.statusCode());
        await().atMost(Duration.ofSeconds(5))
                .until(() -> broker.broker().metrics().get(Counter.WEBSOCKET_BAD_REQUESTS) == 2);
    }
}
