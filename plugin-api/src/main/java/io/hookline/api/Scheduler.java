package io.hookline.api;

import java.time.Duration;
import java.util.concurrent.Executor;

/**
 * Runs a plugin's background work on broker-managed threads that may block (file reads,
 * network calls). Everything still scheduled is cancelled when the plugin stops. A task that
 * throws is logged; a periodic one keeps its schedule.
 *
 * <pre>{@code
 * ctx.scheduler().execute(() -> warmCache());
 * ctx.scheduler().schedule(Duration.ofSeconds(5), () -> retryConnect());
 * }</pre>
 */
public interface Scheduler extends Executor {
    /** Runs {@code task} once after {@code delay}. */
    Cancellable schedule(Duration delay, Runnable task);

    /** Runs {@code task} after {@code initialDelay}, then every {@code period}. */
    Cancellable scheduleAtFixedRate(Duration initialDelay, Duration period, Runnable task);
}
