package io.hookline.broker.http;

import io.hookline.broker.admin.ApiKeys;
import io.hookline.broker.admin.CommandRegistry;
import io.hookline.broker.admin.HttpListeners;
import io.hookline.broker.admin.ManagedBroker;
import io.hookline.broker.config.HostPort;
import io.hookline.broker.transport.MqttListener.ListenerException;
import io.undertow.Undertow;
import io.undertow.server.HttpHandler;
import io.undertow.server.handlers.PathHandler;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The management HTTP server ({@code listener.http.NAME}, Undertow): {@code /api/v1} (the
 * command tree, key with scope {@code mgmt}), {@code /metrics}, {@code /health},
 * {@code /health/ping}, {@code /status}, {@code /status/data} (open unless
 * {@code http.SCOPE.require_key = on}). One small Undertow per listener so a port in use names
 * its listener. Thread-safe: the list of running servers is copy-on-write.
 */
public final class ManagementServer implements HttpListeners, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ManagementServer.class);
    /** Worker threads per listener: command handlers and streams run there. */
    private static final int WORKERS = 8;

    /** Which of the open paths need a key. */
    public record Protection(boolean metrics, boolean status, boolean health) {
    }

    private record Running(String name, Undertow server, InetSocketAddress address) {
    }

    private final HttpHandler root;
    private final List<Running> running = new CopyOnWriteArrayList<>();

    public ManagementServer(ManagedBroker broker, CommandRegistry registry, ApiKeys keys, Protection protection) {
        ApiKeyGate gate = new ApiKeyGate(keys);
        PathHandler paths = new PathHandler();
        paths.addPrefixPath("/api/v1", new ApiHandler(registry, gate));
        paths.addExactPath("/metrics", new ScopeGate(gate, ApiKeys.Scope.METRICS, protection.metrics(),
                new MetricsHandler(broker)));
        HttpHandler health = new ScopeGate(gate, ApiKeys.Scope.HEALTH, protection.health(), new HealthHandler(broker));
        paths.addExactPath("/health", health);
        paths.addExactPath("/health/ping", health);
        paths.addExactPath("/status", new ScopeGate(gate, ApiKeys.Scope.STATUS, protection.status(),
                new StatusPageHandler(broker)));
        paths.addExactPath("/status/data", new ScopeGate(gate, ApiKeys.Scope.STATUS, protection.status(),
                new StatusDataHandler(broker)));
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
                    .build();
            try {
                server.start();
            } catch (RuntimeException e) {
                close();
                Throwable cause = e.getCause() != null ? e.getCause() : e;
                throw new ListenerException("listener.http." + l.getKey() + " = " + at + ": cannot listen: "
                        + cause.getMessage(), e);
            }
            InetSocketAddress bound = (InetSocketAddress) server.getListenerInfo().get(0).getAddress();
            running.add(new Running(l.getKey(), server, bound));
            LOG.info("HTTP listener '{}' on {} (management API, metrics, health, status)", l.getKey(), bound);
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
