package io.hookline.broker.hooks;

import io.hookline.broker.metrics.BucketHistogram;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

/**
 * Calls, denials, errors, timeouts, cancellations and latency of one chain or one handler.
 * Thread-safe, written from event loops and worker threads alike.
 *
 * <p>Each recording thread counts in a cell of its own with plain (opaque) stores, and a read
 * sums the cells. An {@code auth_on_publish} served by a Java plugin used to cost about eight
 * {@link java.util.concurrent.atomic.LongAdder} updates per PUBLISH (calls and latency buckets of
 * the chain and of the handler), each a locked instruction on a line other event loops write
 * too; it now costs two thread-local look-ups and unlocked stores. The cells of threads that
 * ended are folded into one when a new thread registers, so a pool that replaces its threads
 * does not grow the list. Reads see every count a writer made before the read began (each
 * cell field has one writer).
 */
public final class CallStats {
    private static final long[] BOUNDS = BucketHistogram.LATENCY_BOUNDS_NANOS;
    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final int CALLS = 0;
    private static final int DENIALS = 1;
    private static final int ERRORS = 2;
    private static final int TIMEOUTS = 3;
    private static final int CANCELLED = 4;
    private static final int SUM = 5;
    private static final int BUCKETS = 6;
    // calls of the handler running inline now, for its plugin's drain (PluginHandle)
    private static final int IN_FLIGHT = BUCKETS + BOUNDS.length + 1;
    private static final int SLOTS = IN_FLIGHT + 1;

    private final ThreadLocal<Cell> local = ThreadLocal.withInitial(this::register);
    private Cell[] cells = new Cell[0]; // guarded by this; every cell ever registered and still live
    private final long[] retired = new long[SLOTS]; // guarded by this: the sum of folded cells

    /**
     * The counts of one thread. Written only by its owner (one writer per slot: increment is a
     * plain read and an opaque store), read by anyone with opaque loads.
     */
    static final class Cell {
        private final Thread owner;
        private final long[] v = new long[SLOTS];

        private Cell(Thread owner) {
            this.owner = owner;
        }

        private void add(int slot, long n) {
            LONGS.setOpaque(v, slot, v[slot] + n);
        }

        void call() {
            add(CALLS, 1);
        }

        void denial() {
            add(DENIALS, 1);
        }

        void error() {
            add(ERRORS, 1);
        }

        void timeout() {
            add(TIMEOUTS, 1);
        }

        void cancelled() {
            add(CANCELLED, 1);
        }

        void latency(long nanos) {
            long n = Math.max(0, nanos);
            // the common latency is below the first bound: one compare
            add(BUCKETS + BucketHistogram.bucketOf(BOUNDS, n), 1);
            add(SUM, n);
        }

        /** An inline call of the handler starts on this thread (it ends here too: {@link #exit}). */
        void enter() {
            add(IN_FLIGHT, 1);
        }

        void exit() {
            add(IN_FLIGHT, -1);
        }

        private long get(int slot) {
            return (long) LONGS.getOpaque(v, slot);
        }
    }

    /** @return the calling thread's cell: look it up once per call and count in it */
    Cell cell() {
        return local.get();
    }

    private synchronized Cell register() {
        Cell mine = new Cell(Thread.currentThread());
        int live = 0;
        Cell[] next = new Cell[cells.length + 1];
        for (Cell c : cells) {
            // isAlive() false: the owner's writes happened-before this read, and there are no more
            if (c.owner.isAlive()) {
                next[live++] = c;
            } else {
                for (int s = 0; s < SLOTS; s++) {
                    retired[s] += c.get(s);
                }
            }
        }
        next[live++] = mine;
        cells = Arrays.copyOf(next, live);
        return mine;
    }

    private synchronized long sum(int slot) {
        long n = retired[slot];
        for (Cell c : cells) {
            n += c.get(slot);
        }
        return n;
    }

    void countCall() {
        cell().call();
    }

    void countTimeout() {
        cell().timeout();
    }

    void countError() {
        cell().error();
    }

    void countCancelled() {
        cell().cancelled();
    }

    void recordLatency(long nanos) {
        cell().latency(nanos);
    }

    /** @return the inline calls running now (see {@link Cell#enter}) */
    long inFlight() {
        return sum(IN_FLIGHT);
    }

    public long calls() {
        return sum(CALLS);
    }

    /** @return AUTH calls answered with a deny (an error answer or the deny policy) */
    public long denials() {
        return sum(DENIALS);
    }

    /** @return failures: exceptions, null or invalid answers (timeouts are counted apart) */
    public long errors() {
        return sum(ERRORS);
    }

    public long timeouts() {
        return sum(TIMEOUTS);
    }

    /**
     * @return calls whose answer was no longer wanted (the client went away while the chain
     *     waited for an async handler); neither errors nor timeouts, and without a latency sample
     */
    public long cancelled() {
        return sum(CANCELLED);
    }

    /** @return latency in nanoseconds: a snapshot, taken now */
    public synchronized BucketHistogram latency() {
        long[] counts = new long[BOUNDS.length + 1];
        for (int i = 0; i < counts.length; i++) {
            counts[i] = sum(BUCKETS + i);
        }
        return BucketHistogram.latencySnapshot(counts, sum(SUM));
    }
}
