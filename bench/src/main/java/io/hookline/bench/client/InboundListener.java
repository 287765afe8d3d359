package io.hookline.bench.client;

import io.netty.buffer.ByteBuf;

/** Receives the application messages a {@link BenchClient} is delivered. */
@FunctionalInterface
public interface InboundListener {
    InboundListener IGNORE = (payload, qos, receivedNanos) -> {};

    /**
     * Called on the client's event loop, once per PUBLISH received (a broker re-sending with DUP is a
     * second call). {@code payload} is only valid during the call; do not retain it.
     */
    void onMessage(ByteBuf payload, int qos, long receivedNanos);
}
