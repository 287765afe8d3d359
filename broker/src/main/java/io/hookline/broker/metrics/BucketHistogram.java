package io.hookline.broker.metrics;

import io.hookline.api.metrics.Histogram;
import io.hookline.api.metrics.Timer;
import java.util.concurrent.atomic.LongAdder;

/**
 * A histogram with fixed bucket upper bounds (Prometheus style, cumulative on export).
 * Thread-safe: one {@link LongAdder} per bucket, so recording never contends on a lock.
 */
public final class BucketHistogram implements Histogram, Timer {
    /** Latency bounds in nanoseconds: 10µs .. 10s. */
    public static final long[] LATENCY_BOUNDS_NANOS = {
        10_000L,
        50_000L,
        100_000L,
        500_000L,
        1_000_000L,
        5_000_000L,
        10_000_000L,
        50_000_000L,
        100_000_000L,
        500_000_000L,
        1_000_000_000L,
        5_000_000_000L,
        10_000_000_000L
    };
    /** Value bounds for plain histograms: powers of four up to ~1M. */
    public static final long[] VALUE_BOUNDS = {1, 4, 16, 64, 256, 1024, 4096, 16_384, 65_536, 262_144, 1_048_576};

    private final long[] bounds;
    private final LongAdder[] buckets;
    private final LongAdder sum = new LongAdder();
    private final boolean nanos;

    public BucketHistogram(long[] bounds) {
        this(bounds, false);
    }

    private BucketHistogram(long[] bounds, boolean nanos) {
        this.nanos = nanos;
        this.bounds = bounds.clone();
        this.buckets = new LongAdder[bounds.length + 1];
        for (int i = 0; i < buckets.length; i++) {
            buckets[i] = new LongAdder();
        }
    }

    /** @return a histogram for latencies in nanoseconds */
    public static BucketHistogram latency() {
        return new BucketHistogram(LATENCY_BOUNDS_NANOS, true);
    }

    /**
     * @return a latency histogram holding {@code counts} (one per bucket of
     *     {@link #LATENCY_BOUNDS_NANOS}, the last one +Inf) and {@code sum}: a snapshot of counts
     *     kept elsewhere, for the same readers
     */
    public static BucketHistogram latencySnapshot(long[] counts, long sum) {
        BucketHistogram h = latency();
        if (counts.length != h.buckets.length) {
            throw new IllegalArgumentException("expected " + h.buckets.length + " bucket counts, got " + counts.length);
        }
        for (int i = 0; i < counts.length; i++) {
            h.buckets[i].add(counts[i]);
        }
        h.sum.add(sum);
        return h;
    }

    /** @return true when the values are latencies in nanoseconds (exported in seconds) */
    public boolean isLatency() {
        return nanos;
    }

    /**
     * @return the upper bound of the bucket holding the {@code q} quantile (0 &lt; q &le; 1), -1 when
     *     nothing was recorded, {@link Long#MAX_VALUE} when it lies above the last bound
     */
    public long quantileUpperBound(double q) {
        long[] counts = bucketCounts();
        long total = 0;
        for (long c : counts) {
            total += c;
        }
        if (total == 0) {
            return -1;
        }
        long rank = (long) Math.ceil(q * total);
        long seen = 0;
        for (int i = 0; i < counts.length; i++) {
            seen += counts[i];
            if (seen >= rank) {
                return i < bounds.length ? bounds[i] : Long.MAX_VALUE;
            }
        }
        return Long.MAX_VALUE;
    }

    /**
     * The bucket rule, for this class and for the counts kept elsewhere ({@code CallStats}): the
     * index of the first bound &ge; {@code value}, {@code bounds.length} (+Inf) above the last.
     * {@code bucketOf(LATENCY_BOUNDS_NANOS, 10_000)} is 0, {@code bucketOf(..., 10_001)} is 1.
     *
     * <p>A scan from the first bound, not a binary search: the bound arrays are a dozen long and
     * most values (hook latencies above all) fall in the first buckets, where this is one or two
     * predictable compares. {@code bounds} ascend.
     */
    public static int bucketOf(long[] bounds, long value) {
        int i = 0;
        while (i < bounds.length && value > bounds[i]) {
            i++;
        }
        return i;
    }

    @Override
    public void record(long value) {
        buckets[bucketOf(bounds, value)].increment();
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
