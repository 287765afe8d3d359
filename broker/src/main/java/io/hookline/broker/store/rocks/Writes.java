package io.hookline.broker.store.rocks;

import java.util.ArrayList;
import java.util.List;

/**
 * Writes that must land together: a publish's retained update and its copy in every persistent
 * subscriber's queue, or a session's record and its subscriptions. Built by one thread, then
 * handed to {@link RocksStore#write}; it is applied atomically, in the order the operations
 * were added, inside the writer's group batch. Not thread-safe; not to be changed once written.
 */
public final class Writes {

    /** One operation; {@code value} is null for deletes, {@code to} set only for range deletes. */
    record Op(Column column, byte[] key, byte[] value, byte[] to) {}

    private final List<Op> ops = new ArrayList<>(4);
    private long bytes;
    private int cancelled; // puts taken back (null in ops)

    public Writes put(Column column, byte[] key, byte[] value) {
        ops.add(new Op(column, key, value, null));
        bytes += key.length + value.length;
        return this;
    }

    /** The index the next operation gets, for {@link #cancelPut}. */
    int nextIndex() {
        return ops.size();
    }

    /**
     * Takes back the put at {@code index} (of {@code key}, checked) instead of adding its delete:
     * for a key this batch writes for the first time (a fresh queue sequence) and that is deleted
     * before the batch is written, a put and a delete would leave nothing on disk either, at the
     * cost of two memtable inserts, WAL bytes and a tombstone to compact.
     */
    void cancelPut(int index, byte[] key) {
        Op op = ops.get(index);
        if (op == null || op.key() != key || op.value() == null || op.to() != null) {
            throw new IllegalStateException("no put of that key at " + index);
        }
        ops.set(index, null);
        bytes -= key.length + op.value().length;
        cancelled++;
    }

    public Writes delete(Column column, byte[] key) {
        ops.add(new Op(column, key, null, null));
        bytes += key.length;
        return this;
    }

    /** Deletes every key in {@code [from, to)}. */
    public Writes deleteRange(Column column, byte[] from, byte[] to) {
        ops.add(new Op(column, from, null, to));
        bytes += from.length + to.length;
        return this;
    }

    /** Deletes every key of one subscriber in {@code column}. */
    public Writes deleteSubscriber(Column column, String subscriberId) {
        byte[] prefix = Keys.subscriber(subscriberId);
        return deleteRange(column, prefix, Keys.end(prefix));
    }

    /** Deletes every key of one session in {@code column}. */
    public Writes deleteSubscriber(Column column, io.hookline.broker.routing.SubscriberId id) {
        byte[] prefix = Keys.subscriber(id);
        return deleteRange(column, prefix, Keys.end(prefix));
    }

    public boolean isEmpty() {
        return ops.size() == cancelled;
    }

    /** Operations to write (puts taken back not counted). */
    public int size() {
        return ops.size() - cancelled;
    }

    /** Key and value bytes, for the writer's group limit and the byte counters. */
    public long bytes() {
        return bytes;
    }

    /** The operations in order; a put taken back ({@link #cancelPut}) is null. */
    List<Op> ops() {
        return ops;
    }
}
