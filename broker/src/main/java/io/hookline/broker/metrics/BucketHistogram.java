package io.hookline.broker.metrics;

import io.hookline.api.metrics.Histogram;
import io.hookline.api.metrics.Timer;
import java.util.Arrays;
import java.util.concurrent.atomic.LongAdder;

/**
 * A histogram with fixed bucket upper bounds (Prometheus style, cumulative on export).
 * Thread-safe: one {@link LongAdder} per bucket, so recording never contends on a lock.
 */
public final class BucketHistogram implements Histogram, Timer {
    /** Latency bounds in nanoseconds: 10µs .. 10s. */
    public static final long[] LATENCY_BOUNDS_NANOS = {
        10_000L, 50_000L, 100_000L, 500_000L, 1_000_000L, 5_000_000L, 10_000_000L, 50_000_000L,
        100_000_000L, 500_000_000L, 1_000_000_000L, 5_000_000_000L, 10_000_000_000L};
    /** Value bounds for plain histograms: powers of four up to ~1M. */
    public static final long[] VALUE_BOUNDS = {1, 4, 16, 64, 256, 1024, 4096, 16_384, 65_536, 262_144, 1_048_576};

    private final long[] bounds;
    private final LongAdder[] buckets;
    private final LongAdder sum = new LongAdder();

    public BucketHistogram(long[] bounds) {
        this.bounds = bounds.clone();
        this.buckets = new LongAdder[bounds.length + 1];
        for (int i = 0; i < buckets.length; i++) {
            buckets[i] = new LongAdder();
        }
    }

    /** @return a histogram for latencies in nanoseconds */
    public static BucketHistogram latency() {
        return new BucketHistogram(LATENCY_BOUNDS_NANOS);
    }

    @Override
    public void record(long value) {
        int i = Arrays.binarySearch(bounds, value);
        buckets[i >= 0 ? i : -i - 1].increment();
        sum.add(value);
    }

    @Override
    public void recordNanos(long nanos) {
        record(Math.max(0, nanos));
    }

    @Override
    public long count() {
        long n = 0;
        for (LongAdder b : buckets) {
            n += b.sum();
        }
        return n;
    }

    /** @return the sum of all recorded values */
    public long sum() {
        return sum.sum();
    }

    /** @return the upper bounds; the last bucket of {@link #bucketCounts()} is +Inf */
    public long[] bounds() {
        return bounds.clone();
    }

    /** @return per-bucket (not cumulative) counts, one more than {@link #bounds()} */
    public long[] bucketCounts() {
        long[] out = new long[buckets.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = buckets[i].sum();
        }
        return out;
    }
}
