package io.hookline.broker.http;

import io.hookline.broker.admin.ManagedBroker;
import io.hookline.broker.metrics.NettyMemoryMeters;
import io.hookline.broker.store.rocks.RocksStores;
import io.hookline.broker.store.rocks.StoreMeters;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.StatusCodes;
import java.nio.charset.StandardCharsets;

/**
 * {@code GET /metrics}: the Prometheus exposition of the broker ({@link BrokerMeters}), its hook
 * chains and plugins ({@link HookMetricsCollector}), the JVM and Netty's memory. Every name starts
 * with {@code hookline_}, the JVM's too, so one selector finds all of a broker's series.
 * Answers OpenMetrics when the scraper asks for it ({@code Accept: application/openmetrics-text}).
 *
 * <p>Thread-safe: the Micrometer registry is; requests are served on Undertow's worker threads.
 * {@link #close()} detaches the JVM GC listeners when the server stops.
 */
public final class MetricsHandler implements HttpHandler, AutoCloseable {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmGcMetrics gc = new JvmGcMetrics();
    private final BrokerMeters brokerMeters;

    public MetricsHandler(ManagedBroker broker) {
        registry.config().meterFilter(new MeterFilter() {
            @Override
            public Meter.Id map(Meter.Id id) {
                return id.getName().startsWith("hookline.") ? id : id.withName("hookline." + id.getName());
            }
        });
        // cluster = on: every Micrometer series says which node it is from (not the hook chains collector)
        broker.cluster()
                .ifPresent(node ->
                        registry.config().commonTags("node", node.settings().nodeName()));
        brokerMeters = new BrokerMeters(broker);
        brokerMeters.bindTo(registry);
        if (broker.stores() instanceof RocksStores durable) {
            new StoreMeters(durable).bindTo(registry);
        }
        new NettyMemoryMeters().bindTo(registry);
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
        registry.getPrometheusRegistry()
                .register(new HookMetricsCollector(broker.hooks().engine(), broker.pluginMetrics()));
    }

    /** The registry behind the endpoint (e.g. for {@code metrics show}). */
    public PrometheusMeterRegistry registry() {
        return registry;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) {
        if (exchange.isInIoThread()) {
            exchange.dispatch(this); // a scrape walks the sessions: not on the IO thread
            return;
        }
        if (!HttpReplies.allowGet(exchange)) {
            return;
        }
        String accept = exchange.getRequestHeaders().getFirst(Headers.ACCEPT);
        String contentType = accept != null && accept.contains("application/openmetrics-text")
                ? "application/openmetrics-text; version=1.0.0; charset=utf-8"
                : "text/plain; version=0.0.4; charset=utf-8";
        brokerMeters.refresh();
        String body = registry.scrape(contentType);
        exchange.setStatusCode(StatusCodes.OK);
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, contentType);
        exchange.getResponseHeaders().put(Headers.CACHE_CONTROL, "no-store");
        exchange.getResponseSender().send(body, StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        gc.close();
        registry.close();
    }
}
