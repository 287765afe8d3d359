package io.hookline.broker.cluster;

import io.netty.buffer.ByteBuf;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongFunction;

/**
 * The QoS 1/2 frames one link sent that the receiving node has not acknowledged yet
 * (docs/cluster.md, "Delivery guarantee"): numbered from 1 in this link's epoch (a random
 * number: a new link to the same node starts a new numbering, which the receiver tells apart),
 * each kept as its encoded frame until the receiver's ACK says it is stored there, and resent in
 * order when the link connects again. Each has the stage the publisher's acknowledgement waits
 * on.
 *
 * <p>Thread-safe: every method takes this object's lock (the link's send path takes the link's
 * lock first, never the other way round); stages are completed by the caller, outside the lock.
 */
final class Unacked {

    /** One frame sent and not acknowledged: its number, its bytes (ours to release) and the publisher's stage. */
    record Entry(long seq, ByteBuf frame, CompletableFuture<Void> acked) {}

    private final long epoch = ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE);
    private final ArrayDeque<Entry> entries = new ArrayDeque<>();
    private long nextSeq = 1; // guarded by this
    private long bytes; // guarded by this; read without the lock by bytes()
    private volatile long bytesSnapshot;
    private boolean closed; // guarded by this

    long epoch() {
        return epoch;
    }

    /**
     * Numbers a new frame ({@code encode} gets its sequence number) and keeps it; returns it, or
     * null when the link was closed (its node left).
     */
    synchronized Entry add(LongFunction<ByteBuf> encode) {
        if (closed) {
            return null;
        }
        long seq = nextSeq++;
        Entry e = new Entry(seq, encode.apply(seq), new CompletableFuture<>());
        entries.addLast(e);
        bytes += e.frame.readableBytes();
        bytesSnapshot = bytes;
        return e;
    }

    /**
     * The receiver acknowledged every frame of {@code ackEpoch} up to {@code upTo}: removes them
     * and returns them (the caller releases the frames and completes the stages). An ACK of another
     * epoch (a link before this one) is ignored.
     */
    synchronized List<Entry> ack(long ackEpoch, long upTo) {
        if (ackEpoch != epoch || entries.isEmpty() || entries.peekFirst().seq > upTo) {
            return List.of();
        }
        List<Entry> done = new ArrayList<>();
        while (!entries.isEmpty() && entries.peekFirst().seq <= upTo) {
            Entry e = entries.pollFirst();
            bytes -= e.frame.readableBytes();
            done.add(e);
        }
        bytesSnapshot = bytes;
        return done;
    }

    /** A copy of every kept frame, oldest first, to write again on a new connection (each the caller's to release). */
    synchronized List<ByteBuf> resend() {
        List<ByteBuf> out = new ArrayList<>(entries.size());
        for (Entry e : entries) {
            out.add(e.frame.retainedDuplicate());
        }
        return out;
    }

    /** No more frames: returns what was never acknowledged (the caller releases and completes them). */
    synchronized List<Entry> close() {
        closed = true;
        List<Entry> out = new ArrayList<>(entries);
        entries.clear();
        bytes = 0;
        bytesSnapshot = 0;
        return out;
    }

    synchronized boolean isEmpty() {
        return entries.isEmpty();
    }

    synchronized int size() {
        return entries.size();
    }

    /** Bytes of the frames kept, as of the last change. Any thread, no lock. */
    long bytes() {
        return bytesSnapshot;
    }
}
