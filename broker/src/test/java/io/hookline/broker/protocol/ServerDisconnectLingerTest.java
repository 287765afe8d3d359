package io.hookline.broker.protocol;

import static io.hookline.broker.testsupport.RawClient.PUBREC;
import static io.hookline.broker.testsupport.RawClient.publish;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.hookline.broker.metrics.BrokerMetrics.Counter;
import io.hookline.broker.testsupport.RawClient;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Issue 15 item 1: a DISCONNECT the broker sends reaches a client that is still sending. The
 * broker used to close with unread input, the kernel answered with a reset and the client lost
 * the DISCONNECT; now it half-closes, drains and discards what still arrives, and closes when
 * the client does (or after a short linger).
 */
class ServerDisconnectLingerTest extends WireTestBase {

    @Override
    protected String[] brokerConfig() {
        return new String[] {"receive_maximum", "1"};
    }

    /**
     * A megabyte of QoS 0 PUBLISHes written from another thread; completes with the write error
     * if the broker reset the connection while they were sent, else null.
     */
    private static CompletableFuture<IOException> flood(RawClient c) {
        byte[] chunk = publish(5, "flood/x", 0, 0, new byte[50_000]);
        return CompletableFuture.supplyAsync(() -> {
            try {
                for (int i = 0; i < 20; i++) {
                    c.output().write(chunk);
                }
                c.output().flush();
                return null;
            } catch (IOException e) {
                return e;
            }
        });
    }

    /** After the DISCONNECT comes a clean end of stream (FIN), not a reset, although the client kept sending. */
    private static void assertDisconnectThenEndOfStream(RawClient c, int reason, CompletableFuture<IOException> writer)
            throws Exception {
        assertEquals(reason, c.expect(RawClient.DISCONNECT).reasonCode());
        assertEquals(-1, c.input().read(), "end of stream after the DISCONNECT");
        assertNull(writer.get(10, TimeUnit.SECONDS), "everything the client sent was drained, no reset");
    }

    @Test
    void clientStillSendingReadsTheDisconnectForExceedingReceiveMaximum() throws Exception {
        try (RawClient c = connected(5)) {
            c.send(publish(5, "rm/a", 2, 1, new byte[0])); // held: no PUBREL follows
            assertEquals(1, c.expect(PUBREC).packetId());
            byte[] second = publish(5, "rm/b", 2, 2, new byte[0]);
            c.send(second);
            CompletableFuture<IOException> writer = flood(c);
            assertDisconnectThenEndOfStream(c, 0x93, writer);
        }
        assertCounted(Counter.LIMIT_RECEIVE_MAXIMUM, 1);
    }

    @Test
    void malformedPacketInTheMiddleOfAFloodIsStillAnsweredWithItsReason() throws Exception {
        try (RawClient c = connected(5)) {
            c.send(hex("c100")); // PINGREQ with reserved flags: malformed
            CompletableFuture<IOException> writer = flood(c);
            assertDisconnectThenEndOfStream(c, 0x81, writer);
        }
    }

    /** A client that neither reads nor closes holds the connection for the linger time only. */
    @Test
    void connectionClosesAfterTheLingerWhenTheClientKeepsItsSideOpen() {
        long before = broker.broker().metrics().connections().get();
        RawClient c = connected(5);
        try {
            c.send(hex("c100"));
            c.expectDisconnect(0x81); // our side is shut: end of stream right after it
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> broker.broker().metrics().connections().get() == before);
        } finally {
            c.close();
        }
    }
}
