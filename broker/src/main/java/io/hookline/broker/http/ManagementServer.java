package io.hookline.broker.http;

import io.hookline.broker.admin.ApiKeys;
import io.hookline.broker.admin.CommandRegistry;
import io.hookline.broker.admin.HttpListeners;
import io.hookline.broker.admin.ManagedBroker;
import io.hookline.broker.config.Config;
import io.hookline.broker.config.CoreConfig;
import io.hookline.broker.config.HostPort;
import io.hookline.broker.metrics.BrokerMetrics;
import io.hookline.broker.protocol.ApiPublisher;
import io.hookline.broker.transport.MqttListener.ListenerException;
import io.undertow.Undertow;
import io.undertow.UndertowOptions;
import io.undertow.server.ConnectorStatistics;
import io.undertow.server.HttpHandler;
import io.undertow.server.handlers.PathHandler;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xnio.Options;

/**
 * The management HTTP server ({@code listener.http.NAME}, Undertow): {@code /api/v1} (the
 * command tree, key with scope {@code mgmt}), {@code /api/v1/publish} and
 * {@code /api/v1/clients/{id}/messages} (key with scope {@code publish}), {@code /metrics}, {@code /health},
 * {@code /health/ping}, {@code /status}, {@code /status/data} (open unless
 * {@code http.SCOPE.require_key = on}). One small Undertow per listener so a port in use names
 * its listener. Thread-safe: the list of running servers is copy-on-write.
 */
public final class ManagementServer implements HttpListeners, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ManagementServer.class);
    /** Worker threads per listener: command handlers and streams run there. */
    private static final int WORKERS = 8;

    /** Which of the open paths need a key. */
    public record Protection(boolean metrics, boolean status, boolean health) {}

    /**
     * What one client may hold of a listener (issue: 1,500 half-sent requests stayed open).
     *
     * @param maxConnections       open connections per listener; more wait in the accept queue
     * @param requestTimeoutMillis a request header must have arrived within this
     * @param idleTimeoutMillis    no request, or no bytes moving, for this long closes the connection
     */
    public record Limits(int maxConnections, int requestTimeoutMillis, int idleTimeoutMillis) {
        static Limits from(Config config) {
            return new Limits(
                    config.get(CoreConfig.HTTP_MAX_CONNECTIONS),
                    millis(config.get(CoreConfig.HTTP_REQUEST_TIMEOUT)),
                    millis(config.get(CoreConfig.HTTP_IDLE_TIMEOUT)));
        }

        private static int millis(java.time.Duration d) {
            return (int) Math.min(Integer.MAX_VALUE, d.toMillis());
        }
    }

    private record Running(String name, Undertow server, InetSocketAddress address) {
        long openConnections() {
            ConnectorStatistics stats = server.getListenerInfo().get(0).getConnectorStatistics();
            return stats == null ? 0 : stats.getActiveConnections();
        }
    }

    private final HttpHandler root;
    private final List<Running> running = new CopyOnWriteArrayList<>();
    private final Limits limits;
    private final BrokerMetrics metrics;

    /** @param publisher what {@code /api/v1/publish} and {@code /api/v1/clients/{id}/messages} publish through */
    public ManagementServer(
            ManagedBroker broker,
            CommandRegistry registry,
            ApiKeys keys,
            Protection protection,
            ApiPublisher publisher) {
        this.limits = Limits.from(broker.config());
        this.metrics = broker.metrics();
        ApiKeyGate gate = new ApiKeyGate(keys);
        PathHandler paths = new PathHandler();
        PublishHandler publish = new PublishHandler(publisher, gate);
        paths.addPrefixPath("/api/v1", new ApiHandler(registry, gate, List.of(PublishHandler.SPEC)));
        paths.addExactPath("/api/v1/publish", publish);
        paths.addPrefixPath("/api/v1/clients", publish);
        paths.addExactPath(
                "/metrics",
                new ScopeGate(gate, ApiKeys.Scope.METRICS, protection.metrics(), new MetricsHandler(broker)));
        HttpHandler health = new ScopeGate(gate, ApiKeys.Scope.HEALTH, protection.health(), new HealthHandler(broker));
        paths.addExactPath("/health", health);
        paths.addExactPath("/health/ping", health);
        paths.addExactPath(
                "/status",
                new ScopeGate(gate, ApiKeys.Scope.STATUS, protection.status(), new StatusPageHandler(broker)));
        paths.addExactPath(
                "/status/data",
                new ScopeGate(
                        gate,
                        ApiKeys.Scope.STATUS,
                        protection.status(),
                        new StatusDataHandler(
                                broker,
                                broker.config().get(CoreConfig.HTTP_STATUS_CLIENTS_REQUIRE_KEY) ? gate : null)));
        this.root = paths;
    }

    /** Binds every listener; on failure closes those already bound and names the one that failed. */
    public void start(Map<String, HostPort> listeners) throws ListenerException {
        for (Map.Entry<String, HostPort> l : listeners.entrySet()) {
            HostPort at = l.getValue();
            Undertow server = Undertow.builder()
                    .addHttpListener(at.port(), at.host())
                    .setIoThreads(1)
                    .setWorkerThreads(WORKERS)
                    .setHandler(root)
                    // XNIO stops accepting at the high-water mark and resumes below the low one
                    .setSocketOption(Options.CONNECTION_HIGH_WATER, limits.maxConnections())
                    .setSocketOption(Options.CONNECTION_LOW_WATER, limits.maxConnections())
                    .setServerOption(UndertowOptions.REQUEST_PARSE_TIMEOUT, limits.requestTimeoutMillis())
                    .setServerOption(UndertowOptions.NO_REQUEST_TIMEOUT, limits.idleTimeoutMillis())
                    .setServerOption(UndertowOptions.IDLE_TIMEOUT, limits.idleTimeoutMillis())
                    .setServerOption(UndertowOptions.ENABLE_STATISTICS, true)
                    .build();
            try {
                server.start();
            } catch (RuntimeException e) {
                close();
                Throwable cause = e.getCause() != null ? e.getCause() : e;
                throw new ListenerException(
                        "listener.http." + l.getKey() + " = " + at + ": cannot listen: " + cause.getMessage(), e);
            }
            InetSocketAddress bound =
                    (InetSocketAddress) server.getListenerInfo().get(0).getAddress();
            running.add(new Running(l.getKey(), server, bound));
            LOG.info("HTTP listener '{}' on {} (management API, metrics, health, status)", l.getKey(), bound);
        }
    }

    /** Open connections across the management listeners (the /metrics gauge hookline_http_connections). */
    public long openConnections() {
        long n = 0;
        for (Running r : running) {
            n += r.openConnections();
        }
        return n;
    }

    /**
     * Checked every few seconds on the broker's timer: a listener at http.max_connections counts
     * (and logs, rate-limited) one hit of the limit per check it is found full.
     */
    public void checkConnectionLimit() {
        for (Running r : running) {
            long open = r.openConnections();
            if (open >= limits.maxConnections()) {
                metrics.limitHit(
                        BrokerMetrics.Counter.LIMIT_HTTP_CONNECTIONS,
                        "listener.http." + r.name(),
                        open + " open connections, at http.max_connections: new ones wait until one closes"
                                + " (http.request_timeout " + limits.requestTimeoutMillis() + " ms, http.idle_timeout "
                                + limits.idleTimeoutMillis() + " ms)");
            }
        }
    }

    /** @return the port of listener {@code listener.http.NAME}, or -1 */
    public int port(String name) {
        for (Running r : running) {
            if (r.name().equals(name)) {
                return r.address().getPort();
            }
        }
        return -1;
    }

    @Override
    public List<Bound> bound() {
        List<Bound> out = new ArrayList<>();
        for (Running r : running) {
            out.add(new Bound(r.name(), r.address()));
        }
        return out;
    }

    @Override
    public void close() {
        for (Running r : running) {
            try {
                r.server().stop();
            } catch (RuntimeException e) {
                LOG.warn("HTTP listener '{}' did not stop cleanly", r.name(), e);
            }
        }
        running.clear();
    }
}
