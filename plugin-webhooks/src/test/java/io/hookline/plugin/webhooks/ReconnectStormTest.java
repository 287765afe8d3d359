package io.hookline.plugin.webhooks;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.hookline.broker.testsupport.Clients;
import io.hookline.broker.testsupport.RawClient;
import io.hookline.broker.testsupport.TestBroker;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * 2,000 MQTT 3.1.1 clients connecting at once through an auth_on_register webhook all get their
 * CONNACK, and another client's subscribe/publish round trip completes meanwhile. The storm is
 * driven by one non-blocking socket loop (raw CONNECT bytes) so the test measures the broker
 * and the webhook, not 2,000 client-library instances.
 */
class ReconnectStormTest {
    private static final Logger LOG = LoggerFactory.getLogger(ReconnectStormTest.class);
    private static final int CLIENTS = 2_000;
    private static final long STORM_LIMIT_MS = 60_000;

    @TempDir
    Path data;

    @Test
    void twoThousandClientsGetConnackWhileAnotherClientKeepsWorking() throws Exception {
        try (WebhookFixture fx = new WebhookFixture(32, false)) {
            fx.http.stubFor(post(urlPathEqualTo("/auth"))
                    .willReturn(aResponse()
                            .withStatus(200)
                            .withHeader("content-type", "application/json")
                            .withBody("{\"result\":\"ok\"}")));
            TestBroker broker = fx.broker(
                    data,
                    "webhooks.auth.hook",
                    "auth_on_register",
                    "webhooks.auth.endpoint",
                    fx.url("/auth"),
                    "webhooks.auth_m5.hook",
                    "auth_on_register_m5",
                    "webhooks.auth_m5.endpoint",
                    fx.url("/auth"),
                    "webhooks.max_concurrency",
                    "16");
            Mqtt5BlockingClient bystander = Clients.v5Connected(broker, "bystander");
            bystander
                    .subscribeWith()
                    .topicFilter("bystander/#")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .send();

            AtomicInteger acked = new AtomicInteger();
            long t0 = System.nanoTime();
            try (Selector selector = Selector.open()) {
                List<SocketChannel> channels = new ArrayList<>(CLIENTS);
                InetSocketAddress addr = new InetSocketAddress("127.0.0.1", broker.port());
                for (int i = 0; i < CLIENTS; i++) {
                    SocketChannel ch = SocketChannel.open();
                    ch.configureBlocking(false);
                    ch.connect(addr);
                    ch.register(
                            selector,
                            SelectionKey.OP_CONNECT,
                            new Conn(ByteBuffer.wrap(RawClient.connect(4, "storm-" + i))));
                    channels.add(ch);
                }
                // meanwhile, from another thread: the bystander subscribes, publishes and receives
                CompletableFuture<long[]> roundTrip = CompletableFuture.supplyAsync(() -> {
                    try (var in = bystander.publishes(MqttGlobalPublishFilter.ALL)) {
                        long r0 = System.nanoTime();
                        bystander
                                .subscribeWith()
                                .topicFilter("bystander/more")
                                .qos(MqttQos.AT_LEAST_ONCE)
                                .send();
                        bystander
                                .publishWith()
                                .topic("bystander/ping")
                                .qos(MqttQos.AT_LEAST_ONCE)
                                .payload(Clients.bytes("ping"))
                                .send();
                        boolean got = in.receive(10, TimeUnit.SECONDS).isPresent();
                        return new long[] {got ? (System.nanoTime() - r0) / 1_000_000 : -1, acked.get()};
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return new long[] {-1, acked.get()};
                    }
                });
                long deadline = t0 + TimeUnit.MILLISECONDS.toNanos(STORM_LIMIT_MS);
                while (acked.get() < CLIENTS && System.nanoTime() < deadline) {
                    selector.select(100);
                    for (SelectionKey k : selector.selectedKeys()) {
                        step(k, acked);
                    }
                    selector.selectedKeys().clear();
                }
                long stormMs = (System.nanoTime() - t0) / 1_000_000;
                long[] rt = roundTrip.get(30, TimeUnit.SECONDS);
                LOG.info(
                        "storm: {} of {} CONNACKs in {} ms; bystander round trip {} ms, {} CONNACKs done by then; "
                                + "webhook {}",
                        acked.get(),
                        CLIENTS,
                        stormMs,
                        rt[0],
                        rt[1],
                        WebhookFixture.api(broker).show().get(0));
                assertEquals(CLIENTS, acked.get(), "every client got CONNACK 0 within " + STORM_LIMIT_MS + " ms");
                assertTrue(rt[0] >= 0, "the bystander's message arrived during the storm");
                assertEquals(
                        (long) CLIENTS, WebhookFixture.api(broker).show().get(0).get("calls"));
                for (SocketChannel ch : channels) {
                    ch.close();
                }
            }
            bystander.disconnect();
        }
    }

    /** Per-connection state of the storm loop: CONNECT still to write, CONNACK bytes read. */
    private static final class Conn {
        final ByteBuffer out;
        final ByteBuffer in = ByteBuffer.allocate(4);

        Conn(ByteBuffer out) {
            this.out = out;
        }
    }

    private static void step(SelectionKey k, AtomicInteger acked) throws IOException {
        SocketChannel ch = (SocketChannel) k.channel();
        Conn c = (Conn) k.attachment();
        if (k.isConnectable() && ch.finishConnect()) {
            k.interestOps(SelectionKey.OP_WRITE);
        }
        if (k.isValid() && k.isWritable()) {
            ch.write(c.out);
            if (!c.out.hasRemaining()) {
                k.interestOps(SelectionKey.OP_READ);
            }
        }
        if (k.isValid() && k.isReadable()) {
            if (ch.read(c.in) < 0) {
                throw new IOException("connection closed before CONNACK");
            }
            if (!c.in.hasRemaining()) {
                // CONNACK: 0x20, remaining length 2, session present, return code 0
                assertEquals(0x20, c.in.get(0) & 0xFF);
                assertEquals(0, c.in.get(3), "return code");
                acked.incrementAndGet();
                k.interestOps(0);
            }
        }
    }
}
