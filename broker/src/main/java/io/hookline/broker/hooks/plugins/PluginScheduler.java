package io.hookline.broker.hooks.plugins;

import io.hookline.api.Cancellable;
import io.hookline.api.Scheduler;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One plugin's scheduler: the timer only hands tasks over to the worker pool, where they may
 * block. A periodic task never overlaps itself (a run still going skips the next tick).
 * Everything is cancelled by {@link #close()}. Thread-safe.
 */
final class PluginScheduler implements Scheduler {
    private static final Logger LOG = LoggerFactory.getLogger(PluginScheduler.class);

    private final String plugin;
    private final ScheduledExecutorService timer;
    private final Executor workers;
    private final Set<Future<?>> scheduled = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    PluginScheduler(String plugin, ScheduledExecutorService timer, Executor workers) {
        this.plugin = plugin;
        this.timer = timer;
        this.workers = workers;
    }

    @Override
    public void execute(Runnable task) {
        checkOpen();
        workers.execute(guarded(task));
    }

    @Override
    public Cancellable schedule(Duration delay, Runnable task) {
        checkOpen();
        Runnable run = guarded(task);
        Future<?>[] self = new Future<?>[1];
        Future<?> f = timer.schedule(
                () -> {
                    scheduled.remove(self[0]);
                    if (!closed) {
                        workers.execute(run);
                    }
                },
                delay.toNanos(),
                TimeUnit.NANOSECONDS);
        self[0] = f;
        scheduled.add(f);
        return () -> {
            f.cancel(false);
            scheduled.remove(f);
        };
    }

    @Override
    public Cancellable scheduleAtFixedRate(Duration initialDelay, Duration period, Runnable task) {
        checkOpen();
        AtomicBoolean running = new AtomicBoolean();
        Runnable run = guarded(task);
        Future<?> f = timer.scheduleAtFixedRate(
                () -> {
                    if (!closed && running.compareAndSet(false, true)) {
                        workers.execute(() -> {
                            try {
                                run.run();
                            } finally {
                                running.set(false);
                            }
                        });
                    }
                },
                initialDelay.toNanos(),
                period.toNanos(),
                TimeUnit.NANOSECONDS);
        scheduled.add(f);
        return () -> {
            f.cancel(false);
            scheduled.remove(f);
        };
    }

    void close() {
        closed = true;
        for (Future<?> f : scheduled) {
            f.cancel(false);
        }
        scheduled.clear();
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("plugin " + plugin + " is stopped");
        }
    }

    private Runnable guarded(Runnable task) {
        return () -> {
            try {
                task.run();
            } catch (RuntimeException | LinkageError e) {
                LOG.error("a scheduled task of plugin {} failed", plugin, e);
            }
        };
    }
}
