package io.hookline.plugin.webhooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The lanes alone, with sends the test completes by hand: batch boundaries, order, failures, the bound. */
class NotifyLanesTest {
    /** Records every batch handed to the sender and leaves its completion to the test. */
    private static final class Sends {
        final List<List<String>> batches = new ArrayList<>();
        final List<CompletableFuture<Void>> results = new ArrayList<>();

        synchronized CompletableFuture<Void> send(List<String> batch) {
            batches.add(List.copyOf(batch));
            CompletableFuture<Void> f = new CompletableFuture<>();
            results.add(f);
            return f;
        }

        synchronized List<List<String>> batches() {
            return List.copyOf(batches);
        }

        synchronized CompletableFuture<Void> result(int i) {
            return results.get(i);
        }
    }

    @Test
    void anIdleLaneSendsAtOnceAndWhatQueuedMeanwhileGoesInTheNextBatches() {
        Sends sends = new Sends();
        NotifyLanes<String> lanes = new NotifyLanes<>(100, 3, sends::send);
        for (String e : List.of("a", "b", "c", "d", "e", "f", "g")) {
            assertTrue(lanes.offer("c1", e));
        }
        assertEquals(List.of(List.of("a")), sends.batches(), "nothing waits for a batch to fill");
        assertEquals(7, lanes.backlog());
        sends.result(0).complete(null);
        assertEquals(List.of(List.of("a"), List.of("b", "c", "d")), sends.batches());
        assertEquals(6, lanes.backlog(), "a batch leaves the backlog when it completes");
        sends.result(1).complete(null);
        sends.result(2).complete(null);
        assertEquals(List.of(List.of("a"), List.of("b", "c", "d"), List.of("e", "f", "g")), sends.batches());
        assertEquals(0, lanes.backlog());
    }

    @Test
    void aFailedBatchIsNotResentAndTheClientsLaterEventsFollowIt() {
        Sends sends = new Sends();
        NotifyLanes<String> lanes = new NotifyLanes<>(100, 2, sends::send);
        lanes.offer("c1", "1");
        lanes.offer("c1", "2");
        lanes.offer("c1", "3");
        sends.result(0).completeExceptionally(new RuntimeException("HTTP 503"));
        assertEquals(List.of(List.of("1"), List.of("2", "3")), sends.batches());
        sends.result(1).completeExceptionally(new RuntimeException("timed out"));
        lanes.offer("c1", "4");
        assertEquals(List.of(List.of("1"), List.of("2", "3"), List.of("4")), sends.batches());
        assertEquals(1, lanes.backlog());
    }

    @Test
    void clientsAreBatchedApartAndInParallel() {
        Sends sends = new Sends();
        NotifyLanes<String> lanes = new NotifyLanes<>(100, 10, sends::send);
        lanes.offer("x", "x1");
        lanes.offer("y", "y1");
        lanes.offer("x", "x2");
        lanes.offer("y", "y2");
        lanes.offer("x", "x3");
        assertEquals(List.of(List.of("x1"), List.of("y1")), sends.batches());
        sends.result(1).complete(null);
        sends.result(0).complete(null);
        assertEquals(List.of(List.of("x1"), List.of("y1"), List.of("y2"), List.of("x2", "x3")), sends.batches());
    }

    @Test
    void theBacklogBoundCountsEventsNotBatches() {
        Sends sends = new Sends();
        NotifyLanes<String> lanes = new NotifyLanes<>(4, 50, sends::send);
        for (int i = 0; i < 10; i++) {
            lanes.offer("c" + (i % 2), "e" + i);
        }
        assertEquals(4, lanes.backlog());
        assertEquals(6, lanes.dropped());
        assertFalse(lanes.offer("c3", "late"));
        sends.result(0).complete(null);
        sends.result(1).complete(null);
        assertEquals(List.of(List.of("e0"), List.of("e1"), List.of("e2"), List.of("e3")), sends.batches());
        assertEquals(2, lanes.backlog());
    }

    @Test
    void aSenderThatThrowsDoesNotStallTheLane() {
        List<List<String>> seen = new ArrayList<>();
        NotifyLanes<String> lanes = new NotifyLanes<>(10, 5, batch -> {
            seen.add(List.copyOf(batch));
            throw new IllegalStateException("encoding failed");
        });
        lanes.offer("c", "a");
        lanes.offer("c", "b");
        assertEquals(List.of(List.of("a"), List.of("b")), seen);
        assertEquals(0, lanes.backlog());
    }

    @Test
    void batchMaxMustBePositive() {
        assertThrows(IllegalArgumentException.class, () -> new NotifyLanes<String>(10, 0, b -> null));
    }
}
