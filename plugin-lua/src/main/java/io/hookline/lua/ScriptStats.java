package io.hookline.lua;

import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * Calls, errors, timeouts, cancelled calls and call times of one script, across its versions. Latencies go into
 * power-of-two microsecond buckets, so the p99 is the upper bound of its bucket. Thread-safe:
 * adders and an atomic array.
 */
final class ScriptStats {
    private static final int BUCKETS = 40;
    final LongAdder calls = new LongAdder();
    final LongAdder errors = new LongAdder();
    final LongAdder timeouts = new LongAdder();
    /** Calls the broker cancelled before they started (skipped, not in {@link #calls}). */
    final LongAdder cancelled = new LongAdder();
    /** Calls that found every state busy and waited in line for one. */
    final LongAdder queued = new LongAdder();

    private final LongAdder totalNanos = new LongAdder();
    private final AtomicLongArray buckets = new AtomicLongArray(BUCKETS);

    void record(long nanos) {
        calls.increment();
        totalNanos.add(nanos);
        long micros = Math.max(1, nanos / 1000);
        int b = Math.min(BUCKETS - 1, 63 - Long.numberOfLeadingZeros(micros));
        buckets.incrementAndGet(b);
    }

    /** @return mean call time in microseconds (0 before the first call) */
    long averageMicros() {
        long n = calls.sum();
        return n == 0 ? 0 : totalNanos.sum() / n / 1000;
    }

    /** @return the 99th percentile call time in microseconds, as a bucket's upper bound */
    long p99Micros() {
        long n = 0;
        long[] counts = new long[BUCKETS];
        for (int i = 0; i < BUCKETS; i++) {
            counts[i] = buckets.get(i);
            n += counts[i];
        }
        if (n == 0) {
            return 0;
        }
        long rank = (long) Math.ceil(n * 0.99);
        long seen = 0;
        for (int i = 0; i < BUCKETS; i++) {
            seen += counts[i];
            if (seen >= rank) {
                return 1L << (i + 1);
            }
        }
        return 1L << BUCKETS;
    }
}
