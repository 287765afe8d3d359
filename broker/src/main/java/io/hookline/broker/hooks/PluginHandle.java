package io.hookline.broker.hooks;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Tracks the calls in flight into one plugin's handlers, so a disable can wait for them to end
 * before the plugin's {@code stop()}. Thread-safe.
 */
public final class PluginHandle {
    private final String name;
    private final AtomicInteger inFlight = new AtomicInteger();
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
            CompletableFuture<Void> d = drained;
            if (d != null) {
                d.complete(null);
            }
        }
    }

    /** @return the number of handler calls of this plugin running now */
    public int inFlight() {
        return inFlight.get();
    }

    /**
     * @return a stage completing once no call is in flight; call after the plugin's handlers
     *     were unregistered, so the count can only go down
     */
    public CompletableFuture<Void> whenDrained() {
        CompletableFuture<Void> d = new CompletableFuture<>();
        drained = d;
        if (inFlight.get() == 0) {
            d.complete(null);
        }
        return d;
    }
}
