package io.hookline.broker.cluster;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Frames for one data link written from other threads (the publishers' event loops): queued in
 * order and written by one task on the link's event loop with one flush for all of them, instead
 * of a task and a flush (a syscall) per frame. Thread-safe: many writers, one drain.
 */
final class Outbox {

    private final Channel channel;
    private final Queue<ByteBuf> frames = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private final Runnable drain = this::drain;

    Outbox(Channel channel) {
        this.channel = channel;
    }

    Channel channel() {
        return channel;
    }

    void write(ByteBuf frame) {
        frames.add(frame);
        if (!scheduled.getAndSet(true)) {
            try {
                channel.eventLoop().execute(drain);
            } catch (RejectedExecutionException e) { // the plane is closing: nothing will write them
                scheduled.set(false);
                ByteBuf f;
                while ((f = frames.poll()) != null) {
                    f.release();
                }
            }
        }
    }

    // the flag goes down before the queue is read: a frame added after this read schedules another drain
    private void drain() {
        scheduled.set(false);
        ByteBuf f;
        boolean any = false;
        while ((f = frames.poll()) != null) {
            channel.write(f, channel.voidPromise()); // a closed channel releases it
            any = true;
        }
        if (any) {
            channel.flush();
        }
    }
}
