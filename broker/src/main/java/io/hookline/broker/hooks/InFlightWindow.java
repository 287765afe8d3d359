package io.hookline.broker.hooks;

import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies one client's hook verdicts in packet arrival order although they may complete out of
 * order, with a bounded number in flight: when the window is full the connection stops reading
 * ({@link Backpressure#pause()}) until the oldest verdicts have been applied. One slow hook
 * call therefore delays the packets behind it without serializing the client to one call per
 * round trip, and nothing is buffered without bound.
 *
 * <p>Confined to the connection's event loop: call {@link #submit} there, with stages from
 * {@link HookGateway} called with that event loop as {@code caller} (they complete on it).
 * When nothing is pending and the verdict is already there, it is applied at once without
 * allocating.
 *
 * <pre>{@code
 * window.submit(gateway.authOnPublish(session, in, eventLoop), verdict -> route(in, verdict));
 * }</pre>
 */
public final class InFlightWindow {
    private static final Logger LOG = LoggerFactory.getLogger(InFlightWindow.class);

    /** How the connection stops and restarts reading (e.g. Netty's {@code setAutoRead}). */
    public interface Backpressure {
        void pause();

        void resume();
    }

    private final int capacity;
    private final Backpressure backpressure;
    private final ArrayDeque<Slot<?>> pending = new ArrayDeque<>();
    private boolean paused;
    private boolean draining;

    /** @param capacity verdicts that may be outstanding before reading pauses (at least 1) */
    public InFlightWindow(int capacity, Backpressure backpressure) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be >= 1: " + capacity);
        }
        this.capacity = capacity;
        this.backpressure = backpressure;
    }

    /** Queues {@code apply} to run with the verdict once every earlier verdict was applied. */
    public <V> void submit(CompletionStage<V> verdict, Consumer<? super V> apply) {
        CompletableFuture<V> f = verdict.toCompletableFuture();
        if (pending.isEmpty() && f.isDone() && !f.isCompletedExceptionally()) {
            run(apply, f.join());
            return;
        }
        Slot<V> slot = new Slot<>(apply);
        pending.addLast(slot);
        if (pending.size() >= capacity && !paused) {
            paused = true;
            backpressure.pause();
        }
        f.whenComplete((v, t) -> {
            slot.done = true;
            slot.value = v;
            slot.failure = t;
            drain();
        });
    }

    /** @return verdicts submitted but not yet applied */
    public int inFlight() {
        return pending.size();
    }

    /** @return true while reading is paused */
    public boolean isPaused() {
        return paused;
    }

    private void drain() {
        if (draining) {
            return; // an apply callback submitted more; the outer loop picks it up
        }
        draining = true;
        try {
            Slot<?> head;
            while ((head = pending.peekFirst()) != null && head.done) {
                pending.removeFirst();
                head.apply();
            }
        } finally {
            draining = false;
        }
        if (paused && pending.size() < capacity) {
            paused = false;
            backpressure.resume();
        }
    }

    private static <V> void run(Consumer<? super V> apply, V value) {
        try {
            apply.accept(value);
        } catch (RuntimeException e) {
            // the window must keep moving, or every later packet of the client would hang
            LOG.error("applying a hook verdict failed", e);
        }
    }

    private static final class Slot<V> {
        final Consumer<? super V> apply;
        boolean done;
        V value;
        Throwable failure;

        Slot(Consumer<? super V> apply) {
            this.apply = apply;
        }

        void apply() {
            if (failure != null) {
                LOG.error("a hook verdict failed; the gateway should never let that happen", failure);
                return;
            }
            run(apply, value);
        }
    }
}
