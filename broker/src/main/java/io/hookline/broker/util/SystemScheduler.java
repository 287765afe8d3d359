package io.hookline.broker.util;

import io.netty.util.concurrent.EventExecutor;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Real time: {@link System#nanoTime()}, the broker's timer thread, and the event loops' own
 * timers (a task for an event loop is scheduled on that loop, as before there was a seam).
 * Thread-safe.
 */
public final class SystemScheduler implements Scheduler {

    private static final SystemScheduler LOOPS_ONLY = new SystemScheduler(null);

    private final ScheduledExecutorService timer; // null: event loop tasks only

    public SystemScheduler(ScheduledExecutorService timer) {
        this.timer = timer;
    }

    /** Real time for tasks on event loops only (no timer thread): for parts that run on a channel's loop. */
    public static Scheduler eventLoopsOnly() {
        return LOOPS_ONLY;
    }

    private ScheduledExecutorService timer() {
        if (timer == null) {
            throw new IllegalStateException("this scheduler runs tasks on event loops only");
        }
        return timer;
    }

    @Override
    public long nanoTime() {
        return System.nanoTime();
    }

    @Override
    public Task schedule(Runnable task, long delay, TimeUnit unit) {
        return of(timer().schedule(task, delay, unit));
    }

    @Override
    public Task schedule(Executor executor, Runnable task, long delay, TimeUnit unit) {
        if (executor instanceof EventExecutor loop) {
            return of(loop.schedule(task, delay, unit));
        }
        return of(timer().schedule(() -> executor.execute(task), delay, unit));
    }

    private static Task of(ScheduledFuture<?> future) {
        return () -> future.cancel(false);
    }
}
