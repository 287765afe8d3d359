package io.hookline.plugin.webhooks;

import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.OkHttpClient;

/**
 * One endpoint URL: at most {@code maxConcurrent} calls in flight (over its {@link Transport}'s
 * keep-alive connections), further calls queued up to {@code maxQueued}, beyond that refused.
 * A call's deadline counts from {@link #send}, queued or not: a call still queued at its deadline
 * leaves the queue and fails as a timeout without being sent (a timer per queued call, on one
 * shared thread), so the hook's failure policy applies on time even while every connection is
 * held by slow answers. A call whose result is cancelled (the client went away) is dropped from
 * the queue or aborted. Thread-safe: the counters, the queue and the calls' hand-over are guarded
 * by {@code this}; whoever takes a call out of the queue (a freed slot, its timer, its
 * cancellation) is the one that ends or starts it.
 */
final class Endpoint {
    /** Bodies larger than this are refused (a webhook answer is a few hundred bytes). */
    static final int MAX_BODY = 1 << 20;

    /** What came back. */
    record Reply(int status, String cacheControl, String cacheErrors, byte[] body) {}

    /** Why a call produced no usable reply; the message is for the log line. */
    static final class CallFailure extends Exception {
        private static final long serialVersionUID = 1L;
        private final boolean timeout;

        CallFailure(String message, boolean timeout) {
            super(message, null, false, false);
            this.timeout = timeout;
        }

        boolean isTimeout() {
            return timeout;
        }
    }

    /**
     * Times out queued calls: one daemon thread for every endpoint, started on the first queued
     * call and ended after a minute without any. A queued call's timer is taken off when it leaves
     * the queue first (calls that are never queued have none).
     */
    private static final ScheduledThreadPoolExecutor QUEUE_TIMER = queueTimer();

    private static ScheduledThreadPoolExecutor queueTimer() {
        AtomicInteger count = new AtomicInteger();
        ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, r -> {
            Thread thread = new Thread(r, "webhooks-queue-timer-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        t.setRemoveOnCancelPolicy(true);
        t.setKeepAliveTime(60, TimeUnit.SECONDS);
        t.allowCoreThreadTimeOut(true);
        return t;
    }

    /**
     * One call, from send to its end. {@code call}, {@code cancelled} and {@code timer} are
     * guarded by the endpoint.
     */
    private static final class Pending {
        final Transport.Post request;
        final long deadlineNanos;
        final CompletableFuture<Reply> result = new CompletableFuture<>();
        Transport.Exchange call;
        boolean cancelled;
        ScheduledFuture<?> timer; // while queued

        Pending(Transport.Post request, long deadlineNanos) {
            this.request = request;
            this.deadlineNanos = deadlineNanos;
        }
    }

    private final String url;
    private final Transport transport;
    private final int maxConcurrent;
    private final int maxQueued;
    // guarded by this; insertion order is FIFO, and a cancelled call leaves it in O(1)
    private final LinkedHashSet<Pending> queue = new LinkedHashSet<>();
    private int inFlight; // guarded by this
    private long refused; // guarded by this

    /** Calls over OkHttp (the default; always for https and h2c). */
    Endpoint(String url, OkHttpClient client, int maxConcurrent, int maxQueued) {
        this(url, new OkHttpTransport(client, url), maxConcurrent, maxQueued);
    }

    Endpoint(String url, Transport transport, int maxConcurrent, int maxQueued) {
        this.url = url;
        this.transport = transport;
        this.maxConcurrent = maxConcurrent;
        this.maxQueued = maxQueued;
    }

    String url() {
        return url;
    }

    /**
     * Sends {@code request}; the result fails with a {@link CallFailure} after {@code timeout}.
     * Cancelling the result gives the call up: still queued, it leaves the queue and is never
     * sent; under way, its HTTP call is cancelled. Either way its slot is freed once.
     */
    CompletableFuture<Reply> send(Transport.Post request, Duration timeout) {
        Pending p = new Pending(request, System.nanoTime() + timeout.toNanos());
        p.result.whenComplete((r, t) -> {
            if (p.result.isCancelled()) {
                cancel(p);
            }
        });
        boolean start;
        synchronized (this) {
            if (inFlight < maxConcurrent) {
                inFlight++;
                start = true;
            } else if (queue.size() < maxQueued) {
                queue.add(p);
                p.timer = QUEUE_TIMER.schedule(
                        () -> expire(p), p.deadlineNanos - System.nanoTime(), TimeUnit.NANOSECONDS);
                start = false;
            } else {
                refused++;
                p.result.completeExceptionally(
                        new CallFailure("endpoint queue full (" + maxQueued + " calls waiting)", false));
                return p.result;
            }
        }
        if (start && !start(p)) {
            done();
        }
        return p.result;
    }

    private void cancel(Pending p) {
        Transport.Exchange call;
        synchronized (this) {
            if (leave(p)) {
                return; // never sent, held no slot
            }
            p.cancelled = true;
            call = p.call;
        }
        // null: start() has the slot but not the call yet; it sees the flag and frees the slot.
        // Otherwise the transport fails the call (at once, or before sending when it was not yet
        // under way) and its callback frees the slot: in every case exactly one done() for the slot.
        if (call != null) {
            call.cancel();
        }
    }

    /** {@code p}'s deadline came while it may still be queued. */
    private void expire(Pending p) {
        synchronized (this) {
            if (!leave(p)) {
                return; // it left the queue first: started, cancelled or timed out by done()
            }
        }
        p.result.completeExceptionally(queuedTooLong());
    }

    /**
     * Takes {@code p} out of the queue, its timer off: the one way out of the queue (a freed slot,
     * the timer, a cancellation). Caller holds {@code this}.
     *
     * @return false when it had left already
     */
    private boolean leave(Pending p) {
        if (!queue.remove(p)) {
            return false;
        }
        p.timer.cancel(false);
        return true;
    }

    private static CallFailure queuedTooLong() {
        return new CallFailure("timed out waiting for a free connection", true);
    }

    /**
     * Starts {@code p} in the slot it was given.
     *
     * @return false when it was cancelled first: the slot is still to be freed
     */
    private boolean start(Pending p) {
        long left = Math.max(1_000_000L, p.deadlineNanos - System.nanoTime());
        Transport.Exchange call = transport.open(p.request, left);
        synchronized (this) {
            if (p.cancelled) {
                return false;
            }
            p.call = call;
        }
        call.start(new Transport.Callback() {
            @Override
            public void replied(Reply reply) {
                try {
                    p.result.complete(reply);
                } finally {
                    done();
                }
            }

            @Override
            public void failed(CallFailure failure) {
                try {
                    p.result.completeExceptionally(failure);
                } finally {
                    done();
                }
            }
        });
        return true;
    }

    /** A call ended: its slot goes to the next queued call still wanted and within its deadline. */
    private void done() {
        while (true) {
            Pending next;
            synchronized (this) {
                if (queue.isEmpty()) {
                    inFlight--;
                    return;
                }
                next = queue.iterator().next(); // the oldest
                leave(next);
            }
            if (next.deadlineNanos - System.nanoTime() <= 0) {
                // its timer is due but has not run yet (a busy machine): no call with no time left
                next.result.completeExceptionally(queuedTooLong());
            } else if (start(next)) {
                return;
            }
        }
    }

    synchronized int inFlight() {
        return inFlight;
    }

    synchronized int queued() {
        return queue.size();
    }

    synchronized long refused() {
        return refused;
    }
}
