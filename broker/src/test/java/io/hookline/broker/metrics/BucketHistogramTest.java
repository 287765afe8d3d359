package io.hookline.broker.metrics;

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
}
