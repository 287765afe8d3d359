package io.hookline.broker.hooks;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Tracks the calls in flight into one plugin's handlers, so a disable can wait for them to end
 * before the plugin's {@code stop()}. Thread-safe.
 *
 * <p>The count is a {@link LongAdder}, not one atomic: every event loop enters and leaves it for
 * every PUBLISH a plugin is asked about (and an async handler's answering thread leaves it), and
 * one shared counter passed its cache line between those threads twice per message. A leave
 * completes the drain when one is awaited.
 *
 * <p>A call answered inline (enter and leave on one thread, the usual Java plugin) is not counted
 * here but in its handler's {@link CallStats} cell, which the chain has looked up anyway: no
 * locked instruction per call. Its leave is a plain store, which may still sit in the CPU's store
 * buffer when it reads {@link #drained}; so a drain that does not see the count at 0 at once also
 * looks again every millisecond until it does.
 */
public final class PluginHandle {
    private final String name;
    private static final long POLL_MILLIS = 1;
    private final LongAdder inFlight = new LongAdder(); // calls handed off the calling thread
    // every handler registered for this plugin (one enable: a new handle each time)
    private final List<CallStats> inline = new CopyOnWriteArrayList<>();
    private volatile CompletableFuture<Void> drained;

    public PluginHandle(String name) {
        this.name = name;
    }

    public String name() {
        return name;
    }

    /** Counts the inline calls of a handler of this plugin in {@code stats} (its cells). */
    void track(CallStats stats) {
        inline.add(stats);
    }

    /** An inline call left (its cell counted it down): completes an awaited drain. */
    void exitedInline() {
        if (drained != null) {
            completeIfDrained();
        }
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
        if (d != null && count() == 0) {
            d.complete(null);
        }
    }

    private long count() {
        long n = inFlight.sum();
        for (CallStats s : inline) {
            n += s.inFlight();
        }
        return n;
    }

    /** @return the number of handler calls of this plugin running now */
    public int inFlight() {
        return (int) count();
    }

    private void poll(CompletableFuture<Void> d) {
        CompletableFuture.delayedExecutor(POLL_MILLIS, TimeUnit.MILLISECONDS).execute(() -> {
            if (!d.isDone() && count() == 0) {
                d.complete(null);
            }
            if (!d.isDone()) {
                poll(d); // until drained, or completed by the caller's own timeout
            }
        });
    }

    /**
     * @return a stage completing once no call is in flight; call after the plugin's handlers
     *     were unregistered, so the count can only go down
     */
    public CompletableFuture<Void> whenDrained() {
        CompletableFuture<Void> d = new CompletableFuture<>();
        drained = d;
        completeIfDrained();
        if (!d.isDone()) {
            poll(d);
        }
        return d;
    }
}
