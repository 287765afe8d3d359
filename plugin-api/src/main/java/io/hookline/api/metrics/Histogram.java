package io.hookline.api.metrics;

/**
 * A distribution of values (sizes, counts); thread-safe. Buckets are chosen by the broker.
 *
 * <pre>{@code
 * Histogram rules = ctx.metrics().histogram("rules_per_reload");
 * rules.record(acl.size());
 * }</pre>
 */
public interface Histogram {
    /** Records one value ({@code >= 0}). */
    void record(long value);

    /** @return how many values were recorded */
    long count();
}
