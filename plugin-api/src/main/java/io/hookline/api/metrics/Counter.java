package io.hookline.api.metrics;

/**
 * A monotonically increasing count; thread-safe.
 *
 * <pre>{@code
 * Counter reloads = ctx.metrics().counter("reloads");
 * reloads.increment();
 * }</pre>
 */
public interface Counter {
    /** Adds one. */
    default void increment() {
        add(1);
    }

    /** Adds {@code delta} (must be {@code >= 0}). */
    void add(long delta);

    /** @return the current count */
    long count();
}
