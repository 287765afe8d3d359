package io.hookline.api.metrics;

import java.time.Duration;

/**
 * A latency distribution; thread-safe.
 *
 * <pre>{@code
 * Timer lookups = ctx.metrics().timer("db_lookup");
 * long t0 = System.nanoTime();
 * ... query ...
 * lookups.recordNanos(System.nanoTime() - t0);
 * }</pre>
 */
public interface Timer {
    /** Records one duration in nanoseconds. */
    void recordNanos(long nanos);

    /** Records one duration. */
    default void record(Duration duration) {
        recordNanos(duration.toNanos());
    }

    /** @return how many durations were recorded */
    long count();
}
