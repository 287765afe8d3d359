package io.hookline.broker.testsupport;

import io.hookline.broker.util.Scheduler;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.PriorityQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.awaitility.Awaitility;

/**
 * Time that moves only when a test says so: a wall {@link #clock()}, a monotonic
 * {@link #nanoTime()} and the timers of a {@link Scheduler}. {@link #advance} moves both
 * clocks forward and runs every task that falls due on the way, in due order, each at its
 * instant (a task scheduled by a task runs too if it falls due within the advance). A task
 * for an executor (an event loop) is handed to it, so it runs there, after {@code advance}
 * may have returned: tests wait for its effect (Awaitility), never sleep.
 *
 * <p>Thread-safe: one lock; tasks run (or are handed over) outside it.
 */
public final class ManualTime implements Scheduler {

    /** The furthest {@link #runUntil} moves time in one jump. */
    public static final Duration STEP = Duration.ofSeconds(1);

    /** An arbitrary start: 2026-01-01T00:00:00Z. */
    public static final long START_MILLIS = 1_767_225_600_000L;

    private final Object lock = new Object();
    private final PriorityQueue<Entry> due = new PriorityQueue<>();
    private long nanos; // since the start; guarded by lock
    private long sequence; // ties broken in scheduling order
    private final Clock clock = new Clock() {
        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException("UTC only");
        }

        @Override
        public long millis() {
            return START_MILLIS + TimeUnit.NANOSECONDS.toMillis(nanoTime());
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis());
        }
    };

    private final class Entry implements Comparable<Entry>, Task {
        final long at;
        final long order;
        final Executor executor;
        final Runnable task;
        boolean cancelled;

        Entry(long at, long order, Executor executor, Runnable task) {
            this.at = at;
            this.order = order;
            this.executor = executor;
            this.task = task;
        }

        @Override
        public int compareTo(Entry o) {
            return at != o.at ? Long.compare(at, o.at) : Long.compare(order, o.order);
        }

        @Override
        public void cancel() {
            synchronized (lock) {
                cancelled = true;
                due.remove(this);
            }
        }
    }

    /** The wall clock, {@link #START_MILLIS} plus the time advanced. */
    public Clock clock() {
        return clock;
    }

    @Override
    public long nanoTime() {
        synchronized (lock) {
            return nanos;
        }
    }

    @Override
    public Task schedule(Runnable task, long delay, TimeUnit unit) {
        return schedule(Runnable::run, task, delay, unit);
    }

    @Override
    public Task schedule(Executor executor, Runnable task, long delay, TimeUnit unit) {
        synchronized (lock) {
            Entry e = new Entry(nanos + Math.max(0, unit.toNanos(delay)), sequence++, executor, task);
            due.add(e);
            return e;
        }
    }

    /** How many tasks wait. */
    public int pending() {
        synchronized (lock) {
            return due.size();
        }
    }

    /**
     * Moves time to the next task, if one is due within {@code within} from now, and runs (or
     * hands over) it; false when none is. Time never moves further than that task.
     */
    public boolean advanceToNext(Duration within) {
        Entry next;
        synchronized (lock) {
            next = due.peek();
            if (next == null || next.at - nanos > within.toNanos()) {
                return false;
            }
            due.poll();
            nanos = Math.max(nanos, next.at);
        }
        next.executor.execute(next.task);
        return true;
    }

    /**
     * For a broker that keeps setting timers as it goes (a message rate): moves time from one
     * due task to the next until {@code done} holds, polling in real time, at most
     * {@code atMost} of it. Time only ever jumps to the next timer, so whatever the broker must
     * not do before an instant it cannot do before it, however slow the machine. Only timers
     * due within {@link #STEP} are run: a far one (a keep-alive check) is the broker waiting for
     * its own work in progress, not for time, so time waits too.
     */
    public void runUntil(BooleanSupplier done, Duration atMost) {
        Awaitility.await()
                .atMost(atMost)
                .pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofMillis(2))
                .until(() -> {
                    if (done.getAsBoolean()) {
                        return true;
                    }
                    advanceToNext(STEP);
                    return false;
                });
    }

    /** Moves time forward by {@code by}, running what falls due on the way. */
    public void advance(Duration by) {
        long target;
        synchronized (lock) {
            target = nanos + by.toNanos();
        }
        while (true) {
            Entry next;
            synchronized (lock) {
                next = due.peek();
                if (next == null || next.at > target) {
                    nanos = target;
                    return;
                }
                due.poll();
                nanos = Math.max(nanos, next.at);
            }
            next.executor.execute(next.task);
        }
    }
}
