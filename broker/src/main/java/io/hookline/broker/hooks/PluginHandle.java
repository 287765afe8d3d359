package io.hookline.broker.hooks;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Tracks the calls in flight into one plugin's handlers, so a disable can wait for them to end
 * before the plugin's {@code stop()}. Thread-safe.
 *
 * <p>Two counts: calls off the caller's thread (async and blocking; an atomic, whose decrement to
 * zero completes the drain), and inline calls, which every event loop makes for every PUBLISH a
 * Java plugin is asked about: those go to a {@link LongAdder}, so the loops do not pass one cache
 * line between them twice per message; their exit completes the drain when one is awaited.
 */
public final class PluginHandle {
    private final String name;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final LongAdder inlineInFlight = new LongAdder();
    private volatile CompletableFuture<Void> drained;

    public PluginHandle(String name) {
        this.name = name;
    }

    public String name() {
        return name;
    }

    void enter() {
        inFlight.incrementAndGet();
    }

    void exit() {
        if (inFlight.decrementAndGet() == 0) {
            completeIfDrained();
        }
    }

    /** A call on the caller's own thread begins (pair with {@link #exitInline}). */
    void enterInline() {
        inlineInFlight.increment();
    }

    void exitInline() {
        inlineInFlight.decrement();
        if (drained != null) {
            completeIfDrained();
        }
    }

    // the decrements above come before the read of drained, and whenDrained() sets drained before
    // it reads the counts: whichever looks last sees both calls gone. Once the handlers are
    // unregistered the counts only go down, so a sum of 0 means no call is left
    private void completeIfDrained() {
        CompletableFuture<Void> d = drained;
        if (d != null && inFlight.get() == 0 && inlineInFlight.sum() == 0) {
            d.complete(null);
        }
    }

    /** @return the number of handler calls of this plugin running now */
    public int inFlight() {
        return inFlight.get() + (int) inlineInFlight.sum();
    }

    /**
     * @return a stage completing once no call is in flight; call after the plugin's handlers
     *     were unregistered, so the count can only go down
     */
    public CompletableFuture<Void> whenDrained() {
        CompletableFuture<Void> d = new CompletableFuture<>();
        drained = d;
        completeIfDrained();
        return d;
    }
}
