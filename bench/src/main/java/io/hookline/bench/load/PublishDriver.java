package io.hookline.bench.load;

import io.hookline.bench.client.BenchClient;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Publishes benchmark payloads from one client, pipelined: many PUBLISHes per flush, up to the
 * client's QoS 1/2 window, pausing while the socket is not writable. With a rate it follows a
 * schedule (catching up in bursts after back-pressure, so the offered load stays the target);
 * with rate 0 it sends flat out. Stops at the deadline or after {@code maxMessages}.
 *
 * <p>Confined to the client's event loop once started.
 */
public final class PublishDriver {
    /** PUBLISHes written per pass before yielding the event loop to I/O. */
    private static final int BATCH = 256;
    /** How often a rate-limited driver wakes up to send what its schedule says is due. */
    private static final long TICK_MICROS = 1000;

    private final BenchClient client;
    private final String topic;
    private final int qos;
    private final int payloadSize;
    private final int publisherId;
    private final double ratePerSecond;
    private final long maxMessages;
    private final CompletableFuture<Outcome> finished = new CompletableFuture<>();
    private long startNanos;
    private long endNanos;
    private long drainDeadlineNanos;
    private long sequence;
    private boolean pumping;
    private boolean stopped;
    private ScheduledFuture<?> ticker;

    /** What a driver did: messages sent, and how many of the QoS 1/2 ones were acknowledged. */
    public record Outcome(int publisherId, long sent, long acknowledged, long stillInflight) {}

    /**
     * @param ratePerSecond target messages per second for this publisher; 0 sends flat out
     * @param maxMessages upper bound on messages, whatever the duration
     */
    public PublishDriver(
            BenchClient client,
            String topic,
            int qos,
            int payloadSize,
            int publisherId,
            double ratePerSecond,
            long maxMessages) {
        this.client = client;
        this.topic = topic;
        this.qos = qos;
        this.payloadSize = payloadSize;
        this.publisherId = publisherId;
        this.ratePerSecond = ratePerSecond;
        this.maxMessages = Math.min(maxMessages, SequenceTracker.MAX_SEQUENCE);
    }

    public int publisherId() {
        return publisherId;
    }

    /**
     * Starts publishing for {@code durationNanos}; afterwards waits up to {@code drainNanos} for
     * outstanding acknowledgements. The future completes with what was sent.
     */
    public CompletableFuture<Outcome> start(long durationNanos, long drainNanos) {
        client.eventLoop().execute(() -> {
            startNanos = System.nanoTime();
            endNanos = startNanos + durationNanos;
            drainDeadlineNanos = endNanos + drainNanos;
            client.onCredit(this::pump);
            client.eventLoop().schedule(this::stop, durationNanos, TimeUnit.NANOSECONDS);
            if (ratePerSecond > 0) {
                ticker = client.eventLoop().scheduleAtFixedRate(this::pump, 0, TICK_MICROS, TimeUnit.MICROSECONDS);
            } else {
                pump();
            }
        });
        return finished;
    }

    private void pump() {
        if (stopped || pumping) {
            return;
        }
        long now = System.nanoTime();
        if (now >= endNanos || !client.isActive()) {
            stop();
            return;
        }
        long due = maxMessages;
        if (ratePerSecond > 0) {
            due = Math.min(maxMessages, (long) ((now - startNanos) * ratePerSecond / 1e9) + 1);
        }
        pumping = true;
        int batch = 0;
        try {
            while (sequence < due && batch < BATCH && client.canPublish(qos)) {
                client.publish(
                        topic,
                        qos,
                        Payload.encode(client.alloc(), payloadSize, System.nanoTime(), publisherId, sequence));
                sequence++;
                batch++;
            }
            if (batch > 0) {
                client.flush();
            }
        } finally {
            pumping = false;
        }
        if (ratePerSecond == 0 && batch == BATCH) {
            client.eventLoop().execute(this::pump);
        }
    }

    private void stop() {
        if (stopped) {
            return;
        }
        stopped = true;
        if (ticker != null) {
            ticker.cancel(false);
        }
        client.onCredit(() -> {});
        awaitAcks();
    }

    private void awaitAcks() {
        if (client.inflight() == 0 || System.nanoTime() >= drainDeadlineNanos || !client.isActive()) {
            finished.complete(new Outcome(publisherId, sequence, client.completed(), client.inflight()));
        } else {
            client.eventLoop().schedule(this::awaitAcks, 10, TimeUnit.MILLISECONDS);
        }
    }
}
