package io.hookline.broker.overload;

import static io.hookline.broker.testsupport.RawClient.CONNACK;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hookline.broker.metrics.BrokerMetrics.Counter;
import io.hookline.broker.testsupport.RawClient;
import io.hookline.broker.testsupport.TestBroker;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Issue 16 item 6: offline sessions expire by default (a day), for 3.x persistent sessions and
 * for v5 clients asking for "never"; what an offline session may hold is bounded in messages
 * and bytes.
 */
class OfflineSessionLimitsTest {

    private static final long DAY = 86_400;

    @Test
    void aV5ClientAskingForNeverIsToldItsSessionLastsADay() {
        try (TestBroker broker = TestBroker.start();
                RawClient c = RawClient.open(broker, 5)) {
            c.send(new RawClient.Connect(5, "forever")
                    .cleanStart(false)
                    .sessionExpiry(-1)
                    .toBytes());
            RawClient.Packet connack = c.expect(CONNACK);
            assertEquals(0, connack.reasonCode());
            assertEquals(DAY, connack.properties().get(0x11));
            assertEquals(DAY, broker.broker().sessions().get("forever").expirySeconds());
        }
    }

    @Test
    void aV3PersistentSessionExpiresAfterADayByDefault() {
        try (TestBroker broker = TestBroker.start()) {
            try (RawClient c = RawClient.open(broker, 4)) {
                c.send(new RawClient.Connect(4, "v3-persistent")
                        .cleanStart(false)
                        .toBytes());
                c.expectConnack(0);
                c.send(RawClient.disconnect());
                c.assertClosed();
            }
            await().atMost(Duration.ofSeconds(5))
                    .until(() ->
                            !broker.broker().sessions().get("v3-persistent").isOnline());
            assertEquals(DAY, broker.broker().sessions().get("v3-persistent").expirySeconds());
        }
    }

    @Test
    void anOfflineQueueIsBoundedInBytesOldestDroppedFirst() throws Exception {
        try (TestBroker broker = TestBroker.start("max_offline_bytes", "1MB")) {
            try (RawClient c = RawClient.open(broker, 4)) {
                c.send(new RawClient.Connect(4, "sleeper").cleanStart(false).toBytes());
                c.expectConnack(0);
                c.send(RawClient.subscribe(4, 1, "big/#", 1));
                c.expect(RawClient.SUBACK);
                c.send(RawClient.disconnect());
                c.assertClosed();
            }
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> !broker.broker().sessions().get("sleeper").isOnline());
            byte[] payload = new byte[100 * 1024];
            try (RawClient pub = RawClient.connected(broker, 4, "pub")) {
                for (int i = 0; i < 30; i++) { // 3 MB for a 1 MB queue
                    payload[0] = (byte) i;
                    pub.send(RawClient.publish(4, "big/" + i, 1, i + 1, payload));
                    pub.expect(RawClient.PUBACK);
                }
            }
            var sleeper = broker.broker().sessions().get("sleeper");
            assertTrue(sleeper.queuedBytes() <= 1024 * 1024, "queued " + sleeper.queuedBytes());
            assertTrue(broker.broker().metrics().get(Counter.LIMIT_OFFLINE_BYTES) > 0);
            assertTrue(broker.broker().metrics().get(Counter.DROPPED_QUEUE_FULL) >= 20);
            // what is left is the newest
            try (RawClient c = RawClient.open(broker, 4)) {
                c.send(new RawClient.Connect(4, "sleeper").cleanStart(false).toBytes());
                c.expectConnack(0);
                int last = -1;
                int count = 0;
                for (int i = 0; i < 30 && last != 29; i++) {
                    RawClient.Packet p = c.expect(RawClient.PUBLISH);
                    last = Integer.parseInt(p.topic().substring("big/".length()));
                    c.send(RawClient.ack(RawClient.PUBACK, p.packetId()));
                    count++;
                }
                assertEquals(29, last);
                assertTrue(count <= 10, "got " + count + " messages of 100 KB from a 1 MB queue");
            }
        }
    }
}
