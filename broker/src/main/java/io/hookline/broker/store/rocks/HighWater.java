package io.hookline.broker.store.rocks;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The highest message id the store has been given: raised as messages are encoded into a
 * batch, written by the writer with each group (so it is on disk with the messages that raised
 * it), read back at open so that the broker's id generator starts above it after a restart.
 * Thread-safe: one atomic.
 */
public final class HighWater {

    static final byte[] KEY = "highest_message_id".getBytes(StandardCharsets.UTF_8);

    private final AtomicLong value;

    HighWater(long initial) {
        this.value = new AtomicLong(initial);
    }

    void raise(long id) {
        value.accumulateAndGet(id, Math::max);
    }

    public long value() {
        return value.get();
    }

    static byte[] encode(long v) {
        return new Encoder(8).i64(v).toByteArray();
    }

    static long decode(byte[] bytes) {
        Decoder in = new Decoder(bytes);
        long v = in.i64("highest message id");
        in.expectEnd("highest message id");
        return v;
    }
}
