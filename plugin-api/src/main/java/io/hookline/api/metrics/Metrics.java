package io.hookline.api.metrics;

import java.util.function.LongSupplier;

/**
 * A plugin's metrics, exported by the broker (Prometheus {@code /metrics}, {@code admin metrics
 * show}) under the plugin's name: {@code hookline_plugin_<plugin>_<name>}. Asking twice for the
 * same name returns the same instrument. Names are lower case letters, digits and {@code _}.
 *
 * <pre>{@code
 * Metrics m = ctx.metrics();
 * Counter denied = m.counter("denied");
 * m.gauge("users", () -> passwords.size());
 * }</pre>
 */
public interface Metrics {
    /** @return the counter called {@code name} */
    Counter counter(String name);

    /** Registers (or replaces) a gauge read when metrics are exported. */
    void gauge(String name, LongSupplier value);

    /** @return the timer called {@code name} */
    Timer timer(String name);

    /** @return the histogram called {@code name} */
    Histogram histogram(String name);
}
