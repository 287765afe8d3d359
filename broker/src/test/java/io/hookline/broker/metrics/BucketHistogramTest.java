package io.hookline.broker.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class BucketHistogramTest {

    @Test
    void quantileIsTheUpperBoundOfItsBucket() {
        BucketHistogram h = BucketHistogram.latency();
        assertEquals(-1, h.quantileUpperBound(0.99), "nothing recorded");
        for (int i = 0; i < 99; i++) {
            h.recordNanos(20_000); // <= 50 µs
        }
        h.recordNanos(3_000_000); // <= 5 ms
        assertEquals(50_000, h.quantileUpperBound(0.99));
        assertEquals(5_000_000, h.quantileUpperBound(1.0));
        h.recordNanos(60_000_000_000L); // above the last bound
        assertEquals(Long.MAX_VALUE, h.quantileUpperBound(1.0));
    }

    @Test
    void latencyHistogramsSayTheyHoldNanoseconds() {
        assertTrue(BucketHistogram.latency().isLatency());
        assertFalse(new BucketHistogram(BucketHistogram.VALUE_BOUNDS).isLatency());
    }

    @Test
    void aValueFallsInTheFirstBucketWhoseBoundIsAtLeastIt() {
        long[] bounds = BucketHistogram.VALUE_BOUNDS;
        assertEquals(0, BucketHistogram.bucketOf(bounds, Long.MIN_VALUE));
        assertEquals(0, BucketHistogram.bucketOf(bounds, 0));
        for (int i = 0; i < bounds.length; i++) {
            assertEquals(i, BucketHistogram.bucketOf(bounds, bounds[i]), "on bound " + bounds[i]);
            assertEquals(i + 1, BucketHistogram.bucketOf(bounds, bounds[i] + 1), "just above " + bounds[i]);
            if (i > 0) {
                assertEquals(i, BucketHistogram.bucketOf(bounds, bounds[i - 1] + 1), "just above the bound below");
            }
        }
        assertEquals(bounds.length, BucketHistogram.bucketOf(bounds, Long.MAX_VALUE), "+Inf");
        assertEquals(0, BucketHistogram.bucketOf(new long[0], 5), "no bounds: everything is +Inf");
    }

    @Test
    void recordCountsOnTheBoundInItsBucketAndAboveInTheNext() {
        BucketHistogram h = new BucketHistogram(new long[] {1, 4, 16});
        for (long v : new long[] {-3, 0, 1, 2, 4, 5, 16, 17, Long.MAX_VALUE}) {
            h.record(v);
        }
        assertArrayEquals(new long[] {3, 2, 2, 2}, h.bucketCounts());
    }
}
