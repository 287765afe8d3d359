package io.hookline.broker.http;

import io.hookline.api.hook.Hook;
import io.hookline.api.hook.Hooks;
import io.hookline.broker.hooks.CallStats;
import io.hookline.broker.hooks.HandlerInfo;
import io.hookline.broker.hooks.HookEngine;
import io.hookline.broker.metrics.BucketHistogram;
import io.hookline.broker.metrics.MetricRegistry;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot.HistogramDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.PrometheusNaming;
import io.prometheus.metrics.model.snapshots.Unit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToLongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Exports the hook engine's per-chain and per-handler {@link CallStats} and the plugins'
 * {@link MetricRegistry} at each scrape. A collector rather than Micrometer meters because both
 * sets change at run time (plugins enabled and disabled: no stale meters to remove) and because
 * the latencies already live in fixed-bucket histograms that are exported as they are, with
 * their buckets, instead of being recorded a second time.
 *
 * <p>Thread-safe: reads the engine's copy-on-write chains and adders; the set of metrics already
 * warned about is concurrent.
 */
public final class HookMetricsCollector implements MultiCollector {
    private static final double NANOS_PER_SECOND = 1e9;

    private static final Logger LOG = LoggerFactory.getLogger(HookMetricsCollector.class);

    private final HookEngine engine;
    private final MetricRegistry plugins;
    private final Set<String> warned = ConcurrentHashMap.newKeySet();

    public HookMetricsCollector(HookEngine engine, MetricRegistry plugins) {
        this.engine = engine;
        this.plugins = plugins;
    }

    @Override
    public MetricSnapshots collect() {
        List<MetricSnapshot> out = new ArrayList<>();
        collectChains(out);
        collectHandlers(out);
        collectPlugins(out);
        return new MetricSnapshots(out);
    }

    private void collectChains(List<MetricSnapshot> out) {
        Map<Labels, List<CallStats>> chains = new LinkedHashMap<>();
        for (Hook<?> hook : Hooks.all()) {
            CallStats s = engine.stats(hook);
            if (!engine.isEmpty(hook) || s.calls() > 0) {
                chains.put(Labels.of("hook", hook.name()), List.of(s));
            }
        }
        statsFamilies(out, "hookline_hook", "chain", chains);
    }

    private void collectHandlers(List<MetricSnapshot> out) {
        // one series per (hook, plugin): a plugin with two handlers on one hook is summed
        Map<Labels, List<CallStats>> handlers = new LinkedHashMap<>();
        for (List<HandlerInfo> chain : engine.orderOfAll().values()) {
            for (HandlerInfo h : chain) {
                handlers.computeIfAbsent(Labels.of("hook", h.hook(), "plugin", h.plugin()), k -> new ArrayList<>())
                        .add(h.stats());
            }
        }
        statsFamilies(out, "hookline_hook_handler", "handler", handlers);
    }

    private static void statsFamilies(
            List<MetricSnapshot> out, String prefix, String what, Map<Labels, List<CallStats>> m) {
        if (m.isEmpty()) {
            return;
        }
        out.add(counter(prefix + "_calls", "Calls of each hook " + what, m, CallStats::calls));
        out.add(counter(
                prefix + "_denials",
                "AUTH calls of each hook " + what + " that ended in a deny",
                m,
                CallStats::denials));
        out.add(counter(
                prefix + "_errors",
                "Failed calls (exception, null or invalid answer) of each hook " + what,
                m,
                CallStats::errors));
        out.add(counter(
                prefix + "_timeouts", "Calls of each hook " + what + " over their timeout", m, CallStats::timeouts));
        out.add(counter(
                prefix + "_cancelled",
                "Calls of each hook " + what + " given up because the client went away before the answer",
                m,
                CallStats::cancelled));
        HistogramSnapshot.Builder h = HistogramSnapshot.builder()
                .name(prefix + "_latency_seconds")
                .help("Latency of each hook " + what)
                .unit(Unit.SECONDS);
        m.forEach((labels, list) -> h.dataPoint(
                histogram(labels, list.stream().map(CallStats::latency).toList())));
        out.add(h.build());
    }

    private static CounterSnapshot counter(
            String name, String help, Map<Labels, List<CallStats>> m, ToLongFunction<CallStats> f) {
        CounterSnapshot.Builder b = CounterSnapshot.builder().name(name).help(help);
        m.forEach((labels, list) -> b.dataPoint(CounterDataPointSnapshot.builder()
                .labels(labels)
                .value(list.stream().mapToLong(f).sum())
                .build()));
        return b.build();
    }

    /** Sums histograms with the same bounds into one data point; latencies are exported in seconds. */
    static HistogramDataPointSnapshot histogram(Labels labels, List<BucketHistogram> hs) {
        BucketHistogram first = hs.get(0);
        long[] bounds = first.bounds();
        long[] counts = new long[bounds.length + 1];
        double sum = 0;
        for (BucketHistogram h : hs) {
            long[] c = h.bucketCounts();
            for (int i = 0; i < counts.length; i++) {
                counts[i] += c[i];
            }
            sum += h.sum();
        }
        double scale = first.isLatency() ? NANOS_PER_SECOND : 1;
        double[] upper = new double[counts.length];
        for (int i = 0; i < bounds.length; i++) {
            upper[i] = bounds[i] / scale;
        }
        upper[bounds.length] = Double.POSITIVE_INFINITY;
        return HistogramDataPointSnapshot.builder()
                .labels(labels)
                .classicHistogramBuckets(ClassicHistogramBuckets.of(upper, counts))
                .sum(sum / scale)
                .build();
    }

    /**
     * A plugin may give a counter and a gauge the same name, or a gauge that throws: either would
     * break the whole scrape, so such a metric is left out and logged once.
     */
    private void collectPlugins(List<MetricSnapshot> out) {
        Set<String> names = new HashSet<>();
        plugins.counterValues().forEach((name, value) -> {
            String n = PrometheusNaming.sanitizeMetricName(name);
            if (unique(names, n, name)) {
                out.add(CounterSnapshot.builder()
                        .name(n)
                        .help("Plugin counter " + name)
                        .dataPoint(
                                CounterDataPointSnapshot.builder().value(value).build())
                        .build());
            }
        });
        plugins.gauges().forEach((name, supplier) -> {
            String n = PrometheusNaming.sanitizeMetricName(name);
            long value;
            try {
                value = supplier.getAsLong();
            } catch (RuntimeException e) {
                if (warned.add(name)) {
                    LOG.warn("plugin gauge {} failed; left out of /metrics", name, e);
                }
                return;
            }
            if (unique(names, n, name)) {
                out.add(GaugeSnapshot.builder()
                        .name(n)
                        .help("Plugin gauge " + name)
                        .dataPoint(GaugeDataPointSnapshot.builder().value(value).build())
                        .build());
            }
        });
        plugins.histograms().forEach((name, h) -> {
            String n = PrometheusNaming.sanitizeMetricName(name);
            if (h.isLatency() && !n.endsWith("_seconds")) {
                n = n + "_seconds";
            }
            if (unique(names, n, name)) {
                HistogramSnapshot.Builder b =
                        HistogramSnapshot.builder().name(n).help("Plugin histogram " + name);
                if (h.isLatency()) {
                    b.unit(Unit.SECONDS);
                }
                out.add(b.dataPoint(histogram(Labels.EMPTY, List.of(h))).build());
            }
        });
    }

    private boolean unique(Set<String> names, String exported, String name) {
        if (names.add(exported)) {
            return true;
        }
        if (warned.add(name)) {
            LOG.warn(
                    "plugin metric {} is exported as {}, a name another plugin metric already has; left out",
                    name,
                    exported);
        }
        return false;
    }
}
