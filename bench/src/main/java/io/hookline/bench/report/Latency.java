package io.hookline.bench.report;

import java.util.LinkedHashMap;
import java.util.Map;
import org.HdrHistogram.Histogram;

/** Percentiles of an HdrHistogram of microseconds. Immutable. */
public record Latency(long count, double mean, long p50, long p90, long p99, long p999, long max) {

    public static Latency of(Histogram h) {
        if (h.getTotalCount() == 0) {
            return new Latency(0, 0, 0, 0, 0, 0, 0);
        }
        return new Latency(
                h.getTotalCount(),
                h.getMean(),
                h.getValueAtPercentile(50),
                h.getValueAtPercentile(90),
                h.getValueAtPercentile(99),
                h.getValueAtPercentile(99.9),
                h.getMaxValue());
    }

    Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("count", count);
        m.put("mean_us", mean);
        m.put("p50_us", p50);
        m.put("p90_us", p90);
        m.put("p99_us", p99);
        m.put("p99_9_us", p999);
        m.put("max_us", max);
        return m;
    }
}
