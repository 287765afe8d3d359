package io.hookline.broker.hooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class InFlightWindowTest {
    private final List<String> events = new ArrayList<>();
    private final InFlightWindow window = new InFlightWindow(2, new InFlightWindow.Backpressure() {
        public void pause() {
            events.add("pause");
        }

        public void resume() {
            events.add("resume");
        }
    });

    @Test
    void verdictsCompletingOutOfOrderAreAppliedInArrivalOrder() {
        CompletableFuture<String> first = new CompletableFuture<>();
        CompletableFuture<String> second = new CompletableFuture<>();
        window.submit(first, events::add);
        window.submit(second, events::add);
        window.submit(CompletableFuture.completedFuture("third"), events::add);
        assertEquals(List.of("pause"), events, "window of 2 is full: reading paused, nothing applied yet");

        second.complete("second");
        assertEquals(List.of("pause"), events, "second waits for first");
        first.complete("first");
        assertEquals(List.of("pause", "first", "second", "third", "resume"), events);
        assertEquals(0, window.inFlight());
        assertFalse(window.isPaused());
    }

    @Test
    void readyVerdictWithNothingPendingIsAppliedAtOnce() {
        window.submit(CompletableFuture.completedFuture("now"), events::add);
        assertEquals(List.of("now"), events);
        assertEquals(0, window.inFlight());
    }

    @Test
    void aThrowingApplyDoesNotStopTheWindow() {
        CompletableFuture<String> first = new CompletableFuture<>();
        window.submit(first, v -> {
            throw new IllegalStateException("bug in apply");
        });
        window.submit(CompletableFuture.completedFuture("after"), events::add);
        first.complete("x");
        assertTrue(events.contains("after"));
    }
}
