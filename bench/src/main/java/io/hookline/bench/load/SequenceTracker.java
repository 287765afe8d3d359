package io.hookline.bench.load;

import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * Receive-side bookkeeping for one delivery stream: every message that should arrive once at this
 * tracker (one subscriber of a fan-out, or a whole shared-subscription group). Per publisher it
 * remembers which sequence numbers arrived, so it can tell duplicates (seen twice), reordering
 * (arrived after a higher one) and, once the publishers report how many they sent, loss.
 * Latency (receive time minus the send time in the payload) goes into an HdrHistogram in
 * microseconds.
 *
 * <p>Thread-safe: guarded by {@code this} (subscribers of a shared group record from several event
 * loops).
 */
public final class SequenceTracker {
    /** Highest latency the histogram tracks; larger values are clamped and counted in {@link #clamped}. */
    public static final long MAX_LATENCY_MICROS = 60_000_000L;
    /** Sequence numbers are tracked in a BitSet, so a publisher may send at most this many. */
    public static final long MAX_SEQUENCE = Integer.MAX_VALUE - 1L;

    private final Map<Integer, PublisherStream> streams = new HashMap<>();
    private final Histogram latency = new Histogram(1, MAX_LATENCY_MICROS, 3);
    private long received;
    private long duplicates;
    private long reordered;
    private long invalid;
    private long clamped;
    private long firstNanos;
    private long lastNanos;

    private static final class PublisherStream {
        final BitSet seen = new BitSet();
        long unique;
        long highest = -1;
    }

    /** Records one arrival. {@code latencyNanos} may be negative only through a bug; it is clamped to 0. */
    public synchronized void record(int publisherId, long sequence, long latencyNanos, long receivedNanos) {
        if (sequence < 0 || sequence > MAX_SEQUENCE) {
            invalid++;
            return;
        }
        if (received == 0) {
            firstNanos = receivedNanos;
        }
        lastNanos = receivedNanos;
        received++;
        PublisherStream s = streams.computeIfAbsent(publisherId, k -> new PublisherStream());
        int seq = (int) sequence;
        if (s.seen.get(seq)) {
            duplicates++;
        } else {
            s.seen.set(seq);
            s.unique++;
        }
        if (seq < s.highest) {
            reordered++;
        } else {
            s.highest = seq;
        }
        long micros = Math.max(1, latencyNanos / 1000);
        if (micros > MAX_LATENCY_MICROS) {
            clamped++;
            micros = MAX_LATENCY_MICROS;
        }
        latency.recordValue(micros);
    }

    /** A message whose payload was not a benchmark payload (too short). */
    public synchronized void recordInvalid() {
        invalid++;
    }

    public synchronized long received() {
        return received;
    }

    /**
     * Counts against what the publishers sent: {@code sent} maps publisher id to how many messages
     * (sequence numbers 0..n-1) that publisher sent to this stream.
     */
    public synchronized Delivery delivery(Map<Integer, Long> sent) {
        long expected = 0;
        long lost = 0;
        long unexpected = 0;
        for (Map.Entry<Integer, Long> e : sent.entrySet()) {
            long n = e.getValue();
            expected += n;
            PublisherStream s = streams.get(e.getKey());
            long got = s == null
                    ? 0
                    : s.seen.get(0, (int) Math.min(n, MAX_SEQUENCE)).cardinality();
            lost += n - got;
        }
        for (Map.Entry<Integer, PublisherStream> e : streams.entrySet()) {
            Long n = sent.get(e.getKey());
            long limit = n == null ? 0 : n;
            unexpected += e.getValue()
                    .seen
                    .get((int) Math.min(limit, MAX_SEQUENCE), Integer.MAX_VALUE)
                    .cardinality();
        }
        return new Delivery(
                expected,
                received,
                received - duplicates,
                lost,
                duplicates,
                reordered,
                unexpected,
                invalid,
                clamped,
                firstNanos,
                lastNanos);
    }

    /** Adds this tracker's latencies to {@code into}. */
    public synchronized void addLatencyTo(Histogram into) {
        into.add(latency);
    }

    /** A fresh histogram with the tracker's value range, for aggregating several trackers. */
    public static Histogram newHistogram() {
        return new Histogram(1, MAX_LATENCY_MICROS, 3);
    }

    /**
     * What one stream saw.
     *
     * @param unexpected messages with a sequence number the publisher never reported sending
     * @param invalid payloads that were not benchmark payloads
     * @param clampedLatencies latencies above {@link #MAX_LATENCY_MICROS}, recorded as that maximum
     */
    public record Delivery(
            long expected,
            long received,
            long unique,
            long lost,
            long duplicates,
            long reordered,
            long unexpected,
            long invalid,
            long clampedLatencies,
            long firstNanos,
            long lastNanos) {

        /** Sums two streams (times: earliest first, latest last). */
        public Delivery plus(Delivery o) {
            long first =
                    received == 0 ? o.firstNanos : o.received == 0 ? firstNanos : Math.min(firstNanos, o.firstNanos);
            long last = received == 0 ? o.lastNanos : o.received == 0 ? lastNanos : Math.max(lastNanos, o.lastNanos);
            return new Delivery(
                    expected + o.expected,
                    received + o.received,
                    unique + o.unique,
                    lost + o.lost,
                    duplicates + o.duplicates,
                    reordered + o.reordered,
                    unexpected + o.unexpected,
                    invalid + o.invalid,
                    clampedLatencies + o.clampedLatencies,
                    first,
                    last);
        }

        public static Delivery empty() {
            return new Delivery(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
        }

        /**
         * Whether the stream kept the promise of its QoS: at most once (no duplicates) for 0, at least
         * once (nothing lost) for 1, exactly once for 2. Reordering is reported but not judged:
         * MQTT orders per topic and QoS, and a shared group spreads one stream over several clients.
         */
        public boolean keepsQos(int qos) {
            boolean noStrays = unexpected == 0 && invalid == 0;
            return switch (qos) {
                case 0 -> noStrays && duplicates == 0;
                case 1 -> noStrays && lost == 0;
                default -> noStrays && lost == 0 && duplicates == 0;
            };
        }
    }
}
