package io.hookline.api;

/**
 * A handle to stop a scheduled task.
 *
 * <pre>{@code
 * Cancellable task = ctx.scheduler().scheduleAtFixedRate(Duration.ofSeconds(10), Duration.ofSeconds(10), this::reload);
 * task.cancel();
 * }</pre>
 */
@FunctionalInterface
public interface Cancellable {
    /** Stops future runs; a run in progress completes. Idempotent. */
    void cancel();
}
