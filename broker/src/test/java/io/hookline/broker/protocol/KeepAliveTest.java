package io.hookline.broker.protocol;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.hookline.broker.metrics.BrokerMetrics.Counter;
import io.hookline.broker.testsupport.ManualTime;
import io.hookline.broker.testsupport.RawClient;
import io.hookline.broker.testsupport.TestBroker;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The keep-alives of many connections share one timer per event loop ({@link KeepAlive.Timers}):
 * each silent client is still closed at its own 1.5 x keep alive, to the millisecond of the
 * broker's time, a client that reads is not, and a closed connection leaves nothing behind in
 * the timers. The broker runs on a {@link ManualTime}, so deadlines fall when the test moves time.
 */
class KeepAliveTest {

    /** How long "nothing happens" is watched for, in real time. */
    private static final Duration QUIET = Duration.ofMillis(200);

    private final ManualTime time = new ManualTime();
    private final TestBroker broker = TestBroker.startOn(null, time.clock(), time);

    @AfterEach
    void stop() {
        broker.close();
    }

    private long counted(Counter counter) {
        return broker.broker().metrics().get(counter);
    }

    private void ping(RawClient c) {
        c.send(RawClient.pingreq());
        c.expect(RawClient.PINGRESP);
    }

    @Test
    void silentClientsCloseAtTheirOwnDeadlinesAndALiveOneStays() throws Exception {
        try (RawClient one = RawClient.connected(broker, new RawClient.Connect(5, "one").keepAlive(1));
                RawClient two = RawClient.connected(broker, new RawClient.Connect(5, "two").keepAlive(2));
                RawClient three = RawClient.connected(broker, new RawClient.Connect(4, "three").keepAlive(3));
                RawClient pinger = RawClient.connected(broker, new RawClient.Connect(5, "pinger").keepAlive(1))) {
            assertEquals(4, broker.broker().context().keepAlivesWatched());
            time.advance(Duration.ofMillis(1_000));
            ping(pinger); // read at 1 s: its deadline moves to 2.5 s
            time.advance(Duration.ofMillis(499));
            one.assertNoPacket(QUIET); // 1.499 s: not yet
            time.advance(Duration.ofMillis(1));
            one.expectDisconnect(ReasonCodes.KEEP_ALIVE_TIMEOUT & 0xFF); // 1.5 s
            pinger.assertNoPacket(QUIET);
            time.advance(Duration.ofMillis(900));
            ping(pinger); // 2.4 s: its deadline moves to 3.9 s
            time.advance(Duration.ofMillis(599));
            two.assertNoPacket(QUIET); // 2.999 s
            time.advance(Duration.ofMillis(1));
            two.expectDisconnect(ReasonCodes.KEEP_ALIVE_TIMEOUT & 0xFF); // 3 s
            time.advance(Duration.ofMillis(899));
            pinger.assertNoPacket(QUIET); // 3.899 s
            time.advance(Duration.ofMillis(1));
            pinger.expectDisconnect(ReasonCodes.KEEP_ALIVE_TIMEOUT & 0xFF); // 3.9 s, silent since 2.4 s
            three.assertNoPacket(QUIET);
            time.advance(Duration.ofMillis(600));
            three.assertClosed(); // 4.5 s (MQTT 3.1.1: no DISCONNECT)
            assertEquals(4, counted(Counter.KEEPALIVE_TIMEOUTS));
        }
        await().atMost(Duration.ofSeconds(10))
                .until(() -> broker.broker().context().keepAlivesWatched() == 0);
        time.advance(Duration.ofSeconds(60));
        assertEquals(4, counted(Counter.KEEPALIVE_TIMEOUTS), "each counted once");
    }

    @Test
    void connectionsClosedByTheirClientsLeaveTheTimers() throws Exception {
        for (int i = 0; i < 40; i++) {
            try (RawClient c = RawClient.connected(broker, new RawClient.Connect(5, "c" + i).keepAlive(1 + i % 7))) {
                c.send(RawClient.disconnect());
                c.assertClosed();
            }
        }
        try (RawClient c = RawClient.connected(broker, new RawClient.Connect(4, "zero").keepAlive(0))) {
            ping(c);
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> broker.broker().context().keepAlivesWatched() == 0);
            time.advance(Duration.ofSeconds(3_600)); // keep alive 0: no timeout, however long
            ping(c);
        }
        assertEquals(0, counted(Counter.KEEPALIVE_TIMEOUTS));
    }
}
