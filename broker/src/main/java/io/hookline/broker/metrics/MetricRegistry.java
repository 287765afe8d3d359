package io.hookline.broker.metrics;

import io.hookline.api.metrics.Metrics;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;

/**
 * The broker's own metrics store (no vendor library): named counters, gauges and bucket
 * histograms. The metrics issue exports it to {@code /metrics}. Thread-safe: concurrent maps of
 * thread-safe instruments.
 */
public final class MetricRegistry {
    private static final Pattern NAME = Pattern.compile("[a-z_][a-z0-9_]*");

    private final Map<String, AdderCounter> counters = new ConcurrentHashMap<>();
    private final Map<String, LongSupplier> gauges = new ConcurrentHashMap<>();
    private final Map<String, BucketHistogram> histograms = new ConcurrentHashMap<>();

    public AdderCounter counter(String name) {
        return counters.computeIfAbsent(checked(name), n -> new AdderCounter());
    }

    public void gauge(String name, LongSupplier value) {
        gauges.put(checked(name), value);
    }

    public BucketHistogram timer(String name) {
        return histograms.computeIfAbsent(checked(name), n -> BucketHistogram.latency());
    }

    public BucketHistogram histogram(String name) {
        return histograms.computeIfAbsent(checked(name), n -> new BucketHistogram(BucketHistogram.VALUE_BOUNDS));
    }

    /** Drops every metric whose name starts with {@code prefix} (a plugin was removed). */
    public void removeByPrefix(String prefix) {
        counters.keySet().removeIf(k -> k.startsWith(prefix));
        gauges.keySet().removeIf(k -> k.startsWith(prefix));
        histograms.keySet().removeIf(k -> k.startsWith(prefix));
    }

    /** @return counters by name, sorted */
    public Map<String, Long> counterValues() {
        Map<String, Long> out = new TreeMap<>();
        counters.forEach((k, v) -> out.put(k, v.count()));
        return out;
    }

    /** @return gauge readings by name, sorted */
    public Map<String, Long> gaugeValues() {
        Map<String, Long> out = new TreeMap<>();
        gauges.forEach((k, v) -> out.put(k, v.getAsLong()));
        return out;
    }

    /** @return the gauges by name, sorted, unread (a reader may guard against a failing one) */
    public Map<String, LongSupplier> gauges() {
        return new TreeMap<>(gauges);
    }

    /** @return histograms by name, sorted */
    public Map<String, BucketHistogram> histograms() {
        return new TreeMap<>(histograms);
    }

    /** @return the plugin-facing facade writing into this registry under {@code prefix} */
    public Metrics scoped(String prefix) {
        checked(prefix + "x");
        return new Metrics() {
            @Override
            public io.hookline.api.metrics.Counter counter(String name) {
                return MetricRegistry.this.counter(prefix + name);
            }

            @Override
            public void gauge(String name, LongSupplier value) {
                MetricRegistry.this.gauge(prefix + name, value);
            }

            @Override
            public io.hookline.api.metrics.Timer timer(String name) {
                return MetricRegistry.this.timer(prefix + name);
            }

            @Override
            public io.hookline.api.metrics.Histogram histogram(String name) {
                return MetricRegistry.this.histogram(prefix + name);
            }
        };
    }

    private static String checked(String name) {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("metric names are lower case letters, digits and _: " + name);
        }
        return name;
    }
}
