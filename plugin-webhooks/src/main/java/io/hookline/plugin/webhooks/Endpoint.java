package io.hookline.plugin.webhooks;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayDeque;
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
 * A queued call whose deadline passed while it waited fails as a timeout without being sent.
 * Thread-safe: the counters and queue are guarded by {@code this}.
 */
final class Endpoint {
    /** Bodies larger than this are refused (a webhook answer is a few hundred bytes). */
    static final int MAX_BODY = 1 << 20;

    /** What came back. */
    record Reply(int status, String cacheControl, String cacheErrors, byte[] body) {
    }

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

    private record Pending(Request request, long deadlineNanos, CompletableFuture<Reply> result) {
    }

    private final String url;
    private final OkHttpClient client;
    private final int maxConcurrent;
    private final int maxQueued;
    private final ArrayDeque<Pending> queue = new ArrayDeque<>(); // guarded by this
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

    /** Sends {@code request}; the result fails with a {@link CallFailure} after {@code timeout}. */
    CompletableFuture<Reply> send(Request request, Duration timeout) {
        Pending p = new Pending(request, System.nanoTime() + timeout.toNanos(), new CompletableFuture<>());
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
                p.result.completeExceptionally(new CallFailure("endpoint queue full (" + maxQueued + " calls waiting)", false));
                return p.result;
            }
        }
        if (start) {
            start(p);
        }
        return p.result;
    }

    private void start(Pending p) {
        long left = Math.max(1_000_000L, p.deadlineNanos - System.nanoTime());
        Call call = client.newCall(p.request);
        call.timeout().timeout(left, TimeUnit.NANOSECONDS);
        call.enqueue(new Callback() {
            @Override
            public void onFailure(Call c, IOException e) {
                boolean timeout = e instanceof java.io.InterruptedIOException;
                p.result.completeExceptionally(new CallFailure(
                        timeout ? "timed out" : "unreachable: " + e, timeout));
                done();
            }

            @Override
            public void onResponse(Call c, Response response) {
                try (response) {
                    ResponseBody body = response.body();
                    byte[] bytes = body == null ? new byte[0] : readCapped(body);
                    p.result.complete(new Reply(response.code(), response.header("cache-control"),
                            response.header(AuthCache.CACHE_ERRORS_HEADER), bytes));
                } catch (IOException e) {
                    boolean timeout = e instanceof java.io.InterruptedIOException;
                    p.result.completeExceptionally(new CallFailure(
                            timeout ? "timed out reading the response" : "reading the response failed: " + e, timeout));
                } finally {
                    done();
                }
            }
        });
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

    /** A call ended: its slot goes to the next queued call still within its deadline. */
    private void done() {
        while (true) {
            Pending next;
            synchronized (this) {
                next = queue.poll();
                if (next == null) {
                    inFlight--;
                    return;
                }
            }
            if (next.deadlineNanos - System.nanoTime() > 0) {
                start(next);
                return;
            }
            next.result.completeExceptionally(new CallFailure("timed out waiting for a free connection", true));
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
