package io.hookline.broker.hooks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.hookline.broker.metrics.BucketHistogram;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** CallStats counts per thread and sums on read: nothing may be lost or counted twice. */
class CallStatsTest {

    @Test
    void countsFromSeveralThreadsAddUpWhileBeingRead() throws Exception {
        CallStats stats = new CallStats();
        int threads = 4;
        int each = 50_000;
        CountDownLatch start = new CountDownLatch(1);
        AtomicBoolean done = new AtomicBoolean();
        List<Thread> writers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread w = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                for (int i = 0; i < each; i++) {
                    CallStats.Cell c = stats.cell();
                    c.call();
                    c.latency(1_000);
                    if (i % 10 == 0) {
                        c.denial();
                        stats.countError();
                        stats.countTimeout();
                        stats.countCancelled();
                    }
                }
            });
            w.start();
            writers.add(w);
        }
        // a reader while the writers count: the sums only grow
        AtomicReference<String> wentDown = new AtomicReference<>();
        Thread reader = new Thread(() -> {
            long last = 0;
            while (!done.get()) {
                long now = stats.calls();
                if (now < last) {
                    wentDown.compareAndSet(null, "calls went down from " + last + " to " + now);
                }
                last = now;
                stats.latency();
            }
        });
        reader.start();
        start.countDown();
        for (Thread w : writers) {
            w.join();
        }
        done.set(true);
        reader.join();
        assertNull(wentDown.get());

        assertEquals(threads * each, stats.calls());
        assertEquals(threads * each / 10, stats.denials());
        assertEquals(threads * each / 10, stats.errors());
        assertEquals(threads * each / 10, stats.timeouts());
        assertEquals(threads * each / 10, stats.cancelled());
        assertEquals(threads * each, stats.latency().count());
        assertEquals(threads * each * 1_000L, stats.latency().sum());
    }

    @Test
    void theCountsOfThreadsThatEndedAreKeptWhenTheirCellsAreFolded() throws Exception {
        CallStats stats = new CallStats();
        for (int round = 0; round < 20; round++) { // a pool replacing its threads
            Thread t = new Thread(() -> {
                stats.countCall();
                stats.recordLatency(20_000);
            });
            t.start();
            t.join();
        }
        stats.countCall(); // this thread registers now: the 20 dead cells are folded
        assertEquals(21, stats.calls());
        assertEquals(20, stats.latency().count());
        assertEquals(400_000, stats.latency().sum());
    }

    @Test
    void latencyFallsIntoTheSameBucketsAsABucketHistogram() {
        CallStats stats = new CallStats();
        BucketHistogram reference = BucketHistogram.latency();
        List<Long> values = new ArrayList<>(List.of(-5L, 0L, 1L, Long.MAX_VALUE / 4));
        for (long b : BucketHistogram.LATENCY_BOUNDS_NANOS) {
            values.addAll(List.of(b - 1, b, b + 1));
        }
        for (long v : values) {
            stats.recordLatency(v);
            reference.recordNanos(v);
        }
        BucketHistogram snapshot = stats.latency();
        assertArrayEquals(reference.bucketCounts(), snapshot.bucketCounts());
        assertEquals(reference.sum(), snapshot.sum());
        assertEquals(reference.quantileUpperBound(0.5), snapshot.quantileUpperBound(0.5));
    }
}
