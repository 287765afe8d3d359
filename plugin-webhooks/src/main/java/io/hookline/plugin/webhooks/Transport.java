package io.hookline.plugin.webhooks;

import java.util.List;

/**
 * How one endpoint's calls go over the wire: {@link NettyHttpClient} (the default for {@code
 * http://}: HTTP/1.1 keep-alive on the caller's event loop) or {@link OkHttpTransport} (always for
 * https and h2c, and for http:// with {@code webhooks.http_client = okhttp}). {@link Endpoint}
 * does the limits, queue and cancellation on top. Implementations are thread-safe.
 */
interface Transport {
    /** A POST to the endpoint: header names and values alternating, then the JSON body. */
    record Post(List<String> headers, byte[] body) {}

    /** Where a call ends: exactly one of the two, once, on any thread. */
    interface Callback {
        void replied(Endpoint.Reply reply);

        void failed(Endpoint.CallFailure failure);
    }

    /** One call, created but not started. */
    interface Exchange {
        /** Sends the request; {@code callback} is called exactly once, also after {@link #cancel()}. */
        void start(Callback callback);

        /** Gives the call up: not yet sent, it fails without being sent; under way, it is aborted. */
        void cancel();
    }

    /** @return a call of {@code post} that fails as a timeout after {@code timeoutNanos} */
    Exchange open(Post post, long timeoutNanos);
}
