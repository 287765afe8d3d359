package io.hookline.plugin.webhooks;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import io.hookline.broker.testsupport.Clients;
import io.hookline.broker.testsupport.TestBroker;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An endpoint that closes its connection after every answer, as an HTTP/1.0 server does, or a
 * keep-alive server whose idle timeout is shorter than our pool's: the next call must not fail
 * on the stale pooled connection (it used to: "unexpected end of stream", and on an AUTH hook
 * the default deny turned that into a refused PUBLISH).
 */
class ClosingEndpointTest {
    @TempDir
    Path data;

    private ServerSocket server;
    private Thread serving;
    private final AtomicInteger answered = new AtomicInteger();
    private final List<String> hooks = new CopyOnWriteArrayList<>();
    private WebhookFixture fx;

    @BeforeEach
    void start() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        serving = new Thread(this::serve, "closing-endpoint");
        serving.setDaemon(true);
        serving.start();
        fx = new WebhookFixture();
    }

    @AfterEach
    void stop() throws Exception {
        fx.close();
        server.close();
        serving.join(5_000);
    }

    // one request per connection: read it, answer HTTP/1.0 ok, close
    private void serve() {
        while (!server.isClosed()) {
            try (Socket s = server.accept()) {
                BufferedReader in =
                        new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
                int length = 0;
                String line;
                while ((line = in.readLine()) != null && !line.isEmpty()) {
                    int colon = line.indexOf(':');
                    if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase("content-length")) {
                        length = Integer.parseInt(line.substring(colon + 1).trim());
                    } else if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase("vernemq-hook")) {
                        hooks.add(line.substring(colon + 1).trim());
                    }
                }
                for (int i = 0; i < length; i++) {
                    in.read();
                }
                byte[] body = "{\"result\":\"ok\"}".getBytes(StandardCharsets.UTF_8);
                OutputStream out = s.getOutputStream();
                out.write(("HTTP/1.0 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + body.length
                                + "\r\n\r\n")
                        .getBytes(StandardCharsets.ISO_8859_1));
                out.write(body);
                out.flush();
                answered.incrementAndGet();
            } catch (IOException closedOrBroken) {
                // the next accept tells
            }
        }
    }

    @Test
    void everyCallSucceedsAlthoughTheEndpointClosesAfterEachAnswer() {
        String url = "http://127.0.0.1:" + server.getLocalPort() + "/hook";
        TestBroker broker = fx.broker(
                data,
                "webhooks.auth.hook",
                "auth_on_publish_m5",
                "webhooks.auth.endpoint",
                url,
                "webhooks.notify.hook",
                "on_publish_m5",
                "webhooks.notify.endpoint",
                url);
        Mqtt5BlockingClient c = Clients.v5Connected(broker, "closing");
        for (int i = 0; i < 5; i++) {
            var ack = ((Mqtt5PublishResult.Mqtt5Qos1Result) c.publishWith()
                            .topic("t/" + i)
                            .qos(MqttQos.AT_LEAST_ONCE)
                            .payload(Clients.bytes("m" + i))
                            .send())
                    .getPubAck();
            // the default on_error of an AUTH webhook is deny: a failed call would show here
            assertEquals(Mqtt5PubAckReasonCode.NO_MATCHING_SUBSCRIBERS, ack.getReasonCode(), "publish " + i);
        }
        c.disconnect();
        await().atMost(Duration.ofSeconds(10))
                .until(() -> hooks.stream().filter("on_publish_m5"::equals).count() == 5);
        Webhooks api = WebhookFixture.api(broker);
        assertEquals(
                0L,
                api.show().stream()
                        .mapToLong(r -> ((Number) r.get("errors")).longValue())
                        .sum(),
                api.show().toString());
    }
}
