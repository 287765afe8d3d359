package io.hookline.broker.cluster;

import io.hookline.broker.util.StoreBatch;
import io.netty.channel.Channel;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The receiving side of one sending node's QoS 1/2 frames (docs/cluster.md, "Delivery
 * guarantee"): which sequence numbers of the sender's current epoch were routed here (a frame
 * resent after a broken link is not routed twice), which of them are stored (the store writes
 * complete in any order; the acknowledgement moves in order), and the ACK frames back. One ACK
 * covers every frame stored since the last one: frames read together, or stored by one group
 * commit, are acknowledged by one frame.
 *
 * <p>Thread-safe: one lock; {@link #received} runs on the data plane's event loop, completions on
 * the store's writer thread; ACKs are written on the channel's event loop.
 */
final class Inbox {

    private static final Logger log = LoggerFactory.getLogger(Inbox.class);

    /** A routed frame waiting for its store write. */
    private static final class Pending {
        final long seq;
        boolean done;
        boolean failed;

        Pending(long seq) {
            this.seq = seq;
        }
    }

    private final Object from; // the sender, for the log
    private long epoch; // guarded by this
    private long routed; // highest seq routed in this epoch
    private long stored; // every seq up to this one is stored (or failed, and listed in failed)
    private final ArrayDeque<Pending> pending = new ArrayDeque<>();
    private long[] failed = new long[4];
    private int nFailed;
    private Channel channel; // where ACKs go: the sender's latest connection
    private boolean ackScheduled;
    private final Runnable sendAck = this::sendAck;

    Inbox(Object from) {
        this.from = from;
    }

    /** What to do with a frame ({@link #received}). */
    enum Verdict {
        ROUTE,
        DUPLICATE
    }

    /**
     * A frame {@code seq} of {@code frameEpoch} arrived on {@code ch}: route it, or it is a
     * duplicate (routed before; its acknowledgement is sent again once it is stored). A new epoch
     * (the sender's new link) starts the numbering again.
     */
    synchronized Verdict received(Channel ch, long frameEpoch, long seq) {
        channel = ch;
        if (frameEpoch != epoch) {
            epoch = frameEpoch;
            routed = 0;
            stored = 0;
            pending.clear();
            nFailed = 0;
        }
        if (seq <= routed) {
            if (seq <= stored) {
                scheduleAck();
            }
            return Verdict.DUPLICATE;
        }
        if (seq != routed + 1) {
            log.warn("cluster: frames {}..{} from node {} never arrived", routed + 1, seq - 1, from);
        }
        routed = seq;
        return Verdict.ROUTE;
    }

    /** The routed frame {@code seq} stores its part with {@code stored}: acknowledged once that and every earlier one are done. */
    void storing(long frameEpoch, long seq, CompletionStage<Void> storedStage) {
        if (storedStage == StoreBatch.DONE) {
            synchronized (this) {
                if (frameEpoch == epoch && pending.isEmpty()) {
                    stored = Math.max(stored, seq); // nothing earlier waits: the common case of clean sessions
                    scheduleAck();
                    return;
                }
            }
        }
        Pending p;
        synchronized (this) {
            if (frameEpoch != epoch) {
                return;
            }
            p = new Pending(seq);
            pending.addLast(p);
        }
        storedStage.whenComplete((v, error) -> done(frameEpoch, p, error));
    }

    private synchronized void done(long frameEpoch, Pending p, Throwable error) {
        if (frameEpoch != epoch) {
            return;
        }
        p.done = true;
        p.failed = error != null;
        boolean moved = false;
        while (!pending.isEmpty() && pending.peekFirst().done) {
            Pending head = pending.pollFirst();
            if (head.failed) {
                if (nFailed == failed.length) {
                    failed = Arrays.copyOf(failed, nFailed * 2);
                }
                failed[nFailed++] = head.seq;
            }
            stored = head.seq;
            moved = true;
        }
        if (moved) {
            scheduleAck();
        }
    }

    // caller holds the lock
    private void scheduleAck() {
        if (!ackScheduled && channel != null) {
            ackScheduled = true;
            channel.eventLoop().execute(sendAck); // after the frames of this read: one ACK for all of them
        }
    }

    private void sendAck() {
        Channel ch;
        long e;
        long upTo;
        long[] f;
        int n;
        synchronized (this) {
            ackScheduled = false;
            ch = channel;
            if (ch == null || !ch.isActive()) {
                return; // the sender resends on its next connection, and the duplicates are acknowledged there
            }
            e = epoch;
            upTo = stored;
            f = failed;
            n = nFailed;
            if (n > 0) {
                failed = new long[4];
                nFailed = 0;
            }
        }
        ch.writeAndFlush(Frames.ack(ch.alloc(), e, upTo, f, n), ch.voidPromise());
    }
}
