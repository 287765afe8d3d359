package io.hookline.plugin.webhooks;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

/**
 * Delivers notifications of one webhook asynchronously, one send at a time per client (so an
 * endpoint sees a client's events in the order they happened) and many clients in parallel.
 * A send carries up to {@code batchMax} of the client's queued events: with 1, one event per
 * send; with more, whatever queued while the previous send was out goes together in the next
 * ("natural" batching: an idle lane sends its first event at once, nothing waits for a batch
 * to fill). The backlog over all clients is bounded; what does not fit is dropped and counted,
 * so a dead endpoint costs memory up to the bound and never slows the client that caused the event.
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
    private final int batchMax;
    private final Function<List<T>, CompletionStage<?>> sender;

    /**
     * @param sender sends one batch (a client's events, oldest first); the next batch of that
     *     client waits until the returned stage completes, normally or not
     */
    NotifyLanes(int maxBacklog, int batchMax, Function<List<T>, CompletionStage<?>> sender) {
        if (batchMax < 1) {
            throw new IllegalArgumentException("batchMax must be positive, not " + batchMax);
        }
        this.maxBacklog = maxBacklog;
        this.batchMax = batchMax;
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

    /** Sends the client's queued items batch after batch; loops rather than recursing on quick failures. */
    private void sendNext(String client) {
        while (true) {
            List<T> batch = new ArrayList<>(1);
            lanes.computeIfPresent(client, (k, lane) -> {
                for (T item; batch.size() < batchMax && (item = lane.queue.poll()) != null; ) {
                    batch.add(item);
                }
                if (batch.isEmpty()) {
                    lane.running = false;
                    return null; // an idle client costs nothing
                }
                return lane;
            });
            if (batch.isEmpty()) {
                return;
            }
            CompletableFuture<?> sent;
            try {
                sent = sender.apply(Collections.unmodifiableList(batch)).toCompletableFuture();
            } catch (RuntimeException e) {
                sent = CompletableFuture.failedFuture(e);
            }
            if (sent.isDone()) {
                backlog.addAndGet(-batch.size());
                continue;
            }
            sent.whenComplete((r, t) -> {
                backlog.addAndGet(-batch.size());
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
