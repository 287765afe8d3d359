package io.hookline.broker.time;

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

    private final ScheduledExecutorService timer;

    public SystemScheduler(ScheduledExecutorService timer) {
        this.timer = timer;
    }

    @Override
    public long nanoTime() {
        return System.nanoTime();
    }

    @Override
    public Task schedule(Runnable task, long delay, TimeUnit unit) {
        return of(timer.schedule(task, delay, unit));
    }

    @Override
    public Task schedule(Executor executor, Runnable task, long delay, TimeUnit unit) {
        if (executor instanceof EventExecutor loop) {
            return of(loop.schedule(task, delay, unit));
        }
        return of(timer.schedule(() -> executor.execute(task), delay, unit));
    }

    private static Task of(ScheduledFuture<?> future) {
        return () -> future.cancel(false);
    }
}
