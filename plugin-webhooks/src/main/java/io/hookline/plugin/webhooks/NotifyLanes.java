package io.hookline.plugin.webhooks;

import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

/**
 * Delivers notifications of one webhook asynchronously, one at a time per client (so an
 * endpoint sees a client's events in the order they happened) and many clients in parallel.
 * The backlog over all clients is bounded; what does not fit is dropped and counted, so a dead
 * endpoint costs memory up to the bound and never slows the client that caused the event.
 * Thread-safe: a lane's queue and running flag change only inside {@code lanes.compute} for its key.
 *
 * @param <T> what is delivered
 */
final class NotifyLanes<T> {
    private static final class Lane<T> {
        final ArrayDeque<T> queue = new ArrayDeque<>();
        boolean running;
    }

    private final ConcurrentHashMap<String, Lane<T>> lanes = new ConcurrentHashMap<>();
    private final AtomicInteger backlog = new AtomicInteger();
    private final LongAdder dropped = new LongAdder();
    private final int maxBacklog;
    private final Function<T, CompletionStage<?>> sender;

    NotifyLanes(int maxBacklog, Function<T, CompletionStage<?>> sender) {
        this.maxBacklog = maxBacklog;
        this.sender = sender;
    }

    /** Queues {@code item} behind the client's earlier ones; @return false when it was dropped. */
    boolean offer(String client, T item) {
        if (backlog.incrementAndGet() > maxBacklog) {
            backlog.decrementAndGet();
            dropped.increment();
            return false;
        }
        boolean[] start = new boolean[1];
        lanes.compute(client, (k, lane) -> {
            Lane<T> l = lane == null ? new Lane<>() : lane;
            l.queue.add(item);
            if (!l.running) {
                l.running = true;
                start[0] = true;
            }
            return l;
        });
        if (start[0]) {
            sendNext(client);
        }
        return true;
    }

    /** Sends the client's queued items one after the other; loops rather than recursing on quick failures. */
    private void sendNext(String client) {
        while (true) {
            @SuppressWarnings("unchecked")
            T[] next = (T[]) new Object[1];
            lanes.computeIfPresent(client, (k, lane) -> {
                next[0] = lane.queue.poll();
                if (next[0] == null) {
                    lane.running = false;
                    return null; // an idle client costs nothing
                }
                return lane;
            });
            if (next[0] == null) {
                return;
            }
            CompletableFuture<?> sent;
            try {
                sent = sender.apply(next[0]).toCompletableFuture();
            } catch (RuntimeException e) {
                sent = CompletableFuture.failedFuture(e);
            }
            if (sent.isDone()) {
                backlog.decrementAndGet();
                continue;
            }
            sent.whenComplete((r, t) -> {
                backlog.decrementAndGet();
                sendNext(client);
            });
            return;
        }
    }

    int backlog() {
        return backlog.get();
    }

    long dropped() {
        return dropped.sum();
    }
}
