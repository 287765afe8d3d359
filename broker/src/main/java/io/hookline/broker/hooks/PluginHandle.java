package io.hookline.broker.hooks;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.LongAdder;

/**
 * Tracks the calls in flight into one plugin's handlers, so a disable can wait for them to end
 * before the plugin's {@code stop()}. Thread-safe.
 *
 * <p>The count is a {@link LongAdder}, not one atomic: every event loop enters and leaves it for
 * every PUBLISH a plugin is asked about (and an async handler's answering thread leaves it), and
 * one shared counter passed its cache line between those threads twice per message. A leave
 * completes the drain when one is awaited.
 */
public final class PluginHandle {
    private final String name;
    private final LongAdder inFlight = new LongAdder();
    private volatile CompletableFuture<Void> drained;

    public PluginHandle(String name) {
        this.name = name;
    }

    public String name() {
        return name;
    }

    void enter() {
        inFlight.increment();
    }

    void exit() {
        inFlight.decrement();
        if (drained != null) {
            completeIfDrained();
        }
    }

    // exit() decrements before it reads drained, and whenDrained() sets drained before it sums:
    // whichever looks last sees the call gone. Once the handlers are unregistered the count only
    // goes down, so a sum of 0 (taken while decrements may land) means no call is left
    private void completeIfDrained() {
        CompletableFuture<Void> d = drained;
        if (d != null && inFlight.sum() == 0) {
            d.complete(null);
        }
    }

    /** @return the number of handler calls of this plugin running now */
    public int inFlight() {
        return (int) inFlight.sum();
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
