package io.hookline.plugin.webhooks;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;

/**
 * One endpoint URL: at most {@code maxConcurrent} calls in flight (OkHttp async calls over the
 * shared keep-alive pool), further calls queued up to {@code maxQueued}, beyond that refused.
 * A queued call whose deadline passed while it waited fails as a timeout without being sent; a
 * call whose result is cancelled (the client went away) is dropped from the queue or aborted.
 * Thread-safe: the counters, the queue and the calls' hand-over are guarded by {@code this}.
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

    /** One call, from send to its end. {@code call} and {@code cancelled} are guarded by the endpoint. */
    private static final class Pending {
        final Request request;
        final long deadlineNanos;
        final CompletableFuture<Reply> result = new CompletableFuture<>();
        Call call;
        boolean cancelled;

        Pending(Request request, long deadlineNanos) {
            this.request = request;
            this.deadlineNanos = deadlineNanos;
        }
    }

    private final String url;
    private final OkHttpClient client;
    private final int maxConcurrent;
    private final int maxQueued;
    // guarded by this; insertion order is FIFO, and a cancelled call leaves it in O(1)
    private final LinkedHashSet<Pending> queue = new LinkedHashSet<>();
    private int inFlight; // guarded by this
    private long refused; // guarded by this

    Endpoint(String url, OkHttpClient client, int maxConcurrent, int maxQueued) {
        this.url = url;
        this.client = client;
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
    CompletableFuture<Reply> send(Request request, Duration timeout) {
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
        Call call;
        synchronized (this) {
            if (queue.remove(p)) {
                return; // never sent, held no slot
            }
            p.cancelled = true;
            call = p.call;
        }
        // null: start() has the slot but not the call yet; it sees the flag and frees the slot.
        // Otherwise OkHttp fails the call (at once, or before sending when it was not yet under
        // way) and its callback frees the slot: in every case exactly one done() for the slot.
        if (call != null) {
            call.cancel();
        }
    }

    /**
     * Starts {@code p} in the slot it was given.
     *
     * @return false when it was cancelled first: the slot is still to be freed
     */
    private boolean start(Pending p) {
        long left = Math.max(1_000_000L, p.deadlineNanos - System.nanoTime());
        Call call = client.newCall(p.request);
        call.timeout().timeout(left, TimeUnit.NANOSECONDS);
        synchronized (this) {
            if (p.cancelled) {
                return false;
            }
            p.call = call;
        }
        call.enqueue(new Callback() {
            @Override
            public void onFailure(Call c, IOException e) {
                boolean timeout = e instanceof java.io.InterruptedIOException;
                p.result.completeExceptionally(new CallFailure(timeout ? "timed out" : "unreachable: " + e, timeout));
                done();
            }

            @Override
            public void onResponse(Call c, Response response) {
                try (response) {
                    ResponseBody body = response.body();
                    byte[] bytes = body == null ? new byte[0] : readCapped(body);
                    p.result.complete(new Reply(
                            response.code(),
                            response.header("cache-control"),
                            response.header(AuthCache.CACHE_ERRORS_HEADER),
                            bytes));
                } catch (IOException e) {
                    boolean timeout = e instanceof java.io.InterruptedIOException;
                    p.result.completeExceptionally(new CallFailure(
                            timeout ? "timed out reading the response" : "reading the response failed: " + e, timeout));
                } finally {
                    done();
                }
            }
        });
        return true;
    }

    private static byte[] readCapped(ResponseBody body) throws IOException {
        try (InputStream in = body.byteStream()) {
            byte[] bytes = in.readNBytes(MAX_BODY + 1);
            if (bytes.length > MAX_BODY) {
                throw new IOException("response body over " + MAX_BODY + " bytes");
            }
            return bytes;
        }
    }

    /** A call ended: its slot goes to the next queued call still wanted and within its deadline. */
    private void done() {
        while (true) {
            Pending next;
            synchronized (this) {
                Iterator<Pending> it = queue.iterator();
                if (!it.hasNext()) {
                    inFlight--;
                    return;
                }
                next = it.next();
                it.remove();
            }
            if (next.deadlineNanos - System.nanoTime() <= 0) {
                next.result.completeExceptionally(new CallFailure("timed out waiting for a free connection", true));
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
