package io.hookline.broker.util;

import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * Timers and the monotonic time they run on, injected so that tests and recovery control
 * time: session expiry, will delays, message rate slots and throttles. Production uses
 * {@link SystemScheduler} (the broker's timer thread, and each connection's event loop);
 * tests use a manual one whose time only moves when the test says so.
 *
 * <p>Thread-safe: schedule and cancel from any thread. A task runs once, on the broker's timer
 * thread ({@link #schedule(Runnable, long, TimeUnit)}) or on the executor given (an event loop,
 * so a connection's timer runs where its state lives).
 */
public interface Scheduler {

    /** A scheduled task. */
    interface Task {
        /** Stops the task if it has not run yet; harmless after. */
        void cancel();
    }

    /** Monotonic nanoseconds, as {@link System#nanoTime()}: only differences mean anything. */
    long nanoTime();

    /** Runs {@code task} on the timer thread after {@code delay}. */
    Task schedule(Runnable task, long delay, TimeUnit unit);

    /** Runs {@code task} on {@code executor} (an event loop) after {@code delay}. */
    Task schedule(Executor executor, Runnable task, long delay, TimeUnit unit);
}
