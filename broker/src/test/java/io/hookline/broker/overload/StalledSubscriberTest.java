package io.hookline.broker.overload;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import io.hookline.broker.metrics.BrokerMetrics.Counter;
import io.hookline.broker.testsupport.RawClient;
import io.hookline.broker.testsupport.Survival;
import io.hookline.broker.testsupport.TestBroker;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15 item 9: a subscriber that stops reading its socket must not stall a topic for everyone.
 * Back-pressure holds the publisher while the stuck one is merely congested; after
 * stalled_subscriber_timeout without progress it is stalled, the publisher goes on, the healthy
 * subscriber keeps receiving everything, and the stuck one's excess is dropped (or it is disconnected).
 */
class StalledSubscriberTest {

    private static final int MESSAGES = 20_000; // 1 KiB each, QoS 0: ~20 MB, far beyond the stuck one's bounds
    private static final byte[] KIB = new byte[1024];

    /** A raw 3.1.1 subscriber to fan/# that never reads its socket (keep alive 60 s: longer than the test). */
    private static Socket stuckSubscriber(TestBroker broker) throws Exception {
        Socket s = new Socket();
        s.setReceiveBufferSize(4096);
        s.connect(new InetSocketAddress("127.0.0.1", broker.port()), 5000);
        s.setSoTimeout(10_000);
        OutputStream out = s.getOutputStream();
        InputStream in = s.getInputStream();
        out.write(RawClient.connect(4, "stuck"));
        in.readNBytes(4);
        out.write(RawClient.subscribe(4, 1, "fan/#", 0));
        in.readNBytes(5);
        return s;
    }

    private static Mqtt5AsyncClient healthySubscriber(TestBroker broker, AtomicInteger received) {
        Mqtt5AsyncClient c = MqttClient.builder()
                .useMqttVersion5()
                .identifier("healthy")
                .serverHost("127.0.0.1")
                .serverPort(broker.port())
                .buildAsync();
        c.connect().join();
        c.subscribeWith()
                .topicFilter("fan/#")
                .qos(MqttQos.AT_MOST_ONCE)
                .callback(p -> received.incrementAndGet())
                .send()
                .join();
        return c;
    }

    /** Publishes MESSAGES QoS 0 messages as fast as the broker reads them; returns once all are written. */
    private static void publishAll(TestBroker broker) throws Exception {
        try (Socket s = new Socket("127.0.0.1", broker.port())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(RawClient.connect(4, "publisher"));
            s.getInputStream().readNBytes(4);
            byte[] one = RawClient.publish(4, "fan/out", 0, 0, KIB);
            for (int i = 0; i < MESSAGES; i++) {
                out.write(one);
            }
            out.write(RawClient.disconnect());
            out.flush();
        }
    }

    @Test
    void theHealthySubscriberReceivesEverythingWhileTheStuckOneDrops(@TempDir Path data) throws Exception {
        try (TestBroker broker = TestBroker.start(
                        "stalled_subscriber_timeout",
                        "1s",
                        "listener.http.default",
                        "127.0.0.1:0",
                        "data_dir",
                        data.toString());
                Socket stuck = stuckSubscriber(broker)) {
            AtomicInteger received = new AtomicInteger();
            Mqtt5AsyncClient healthy = healthySubscriber(broker, received);

            publishAll(broker); // before: held until the stuck one's keep alive expired (90 s)
            await().atMost(Duration.ofSeconds(40)).until(() -> received.get() == MESSAGES);
            assertEquals(1, broker.broker().metrics().get(Counter.LIMIT_STALLED_SUBSCRIBER));
            assertTrue(
                    broker.broker().metrics().get(Counter.DROPPED_QUEUE_FULL) > 0, "the stuck one's excess is dropped");
            assertTrue(broker.broker().sessions().get("stuck").isOnline(), "action drop keeps the connection");
            assertTrue(Survival.limitHits(broker.httpPort(), "stalled_subscriber") >= 1);
            Survival.assertHealthy(broker.httpPort());
            healthy.disconnect().get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void withActionDisconnectTheStuckSubscriberIsClosed() throws Exception {
        try (TestBroker broker = TestBroker.start(
                        "stalled_subscriber_timeout", "1s", "stalled_subscriber_action", "disconnect");
                Socket stuck = stuckSubscriber(broker)) {
            AtomicInteger received = new AtomicInteger();
            Mqtt5AsyncClient healthy = healthySubscriber(broker, received);
            publishAll(broker);
            await().atMost(Duration.ofSeconds(40)).until(() -> received.get() == MESSAGES);
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> broker.broker().sessions().get("stuck") == null);
            assertEquals(1, broker.broker().metrics().get(Counter.LIMIT_STALLED_SUBSCRIBER));
            healthy.disconnect().get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void withStallsOffTheStuckSubscriberHoldsThePublisherAsBefore() throws Exception {
        // the stuck one never stalls while stalled_subscriber_timeout is off: the publisher waits (back-pressure)
        try (TestBroker broker = TestBroker.start("stalled_subscriber_timeout", "0");
                Socket stuck = stuckSubscriber(broker)) {
            Thread publisher = new Thread(() -> {
                try {
                    publishAll(broker);
                } catch (Exception e) {
                    // the socket is closed by the broker's close at the end of the test
                }
            });
            publisher.setDaemon(true);
            publisher.start();
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> broker.broker().metrics().get(Counter.PUBLISHER_PAUSES) > 0);
            assertEquals(0, broker.broker().metrics().get(Counter.LIMIT_STALLED_SUBSCRIBER));
        }
    }
}
