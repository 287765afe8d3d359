package io.hookline.broker.http;

import io.hookline.api.hook.Hook;
import io.hookline.api.hook.Hooks;
import io.hookline.broker.admin.ManagedBroker;
import io.hookline.broker.cluster.NodeLoad;
import io.hookline.broker.hooks.CallStats;
import io.hookline.broker.hooks.HandlerInfo;
import io.hookline.broker.hooks.HookEngine;
import io.hookline.broker.hooks.plugins.PluginRegistry;
import io.hookline.broker.metrics.BrokerMetrics;
import io.hookline.broker.metrics.BucketHistogram;
import io.hookline.broker.session.Session;
import io.hookline.broker.store.rocks.Column;
import io.hookline.broker.store.rocks.RocksStores;
import io.hookline.broker.transport.MqttListener;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.StatusCodes;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@code GET /status/data}: the JSON the status page polls: totals, a rolling window of message
 * rates (sampled on the broker's timer every {@link #DEFAULT_INTERVAL}, {@link #DEFAULT_SAMPLES}
 * kept: ten minutes), the connected clients (first {@code ?clients=N} by client id, default 100),
 * the hook chains with per-handler figures, the listeners and the plugins.
 *
 * <p>Thread-safe: the rate window is synchronized, everything else is read from the broker's
 * thread-safe registries per request. {@link #close()} stops the sampling.
 */
public final class StatusDataHandler implements HttpHandler, AutoCloseable {
    static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(5);
    static final int DEFAULT_SAMPLES = 120;
    static final int DEFAULT_CLIENTS = 100;
    static final int MAX_CLIENTS = 10_000;

    private final ManagedBroker broker;
    private final Duration interval;
    private final RateHistory rates;
    private final ScheduledFuture<?> sampling;
    private final ApiKeyGate clientsGate; // null: the client list is open to whoever reaches this handler

    public StatusDataHandler(ManagedBroker broker) {
        this(broker, DEFAULT_INTERVAL, DEFAULT_SAMPLES, null);
    }

    /**
     * @param clientsGate when not null, the client list (ids, user names) is shown only to a key with scope
     *                    status; a request without a key gets the rest, a wrong key 401, a key without the scope 403
     */
    StatusDataHandler(ManagedBroker broker, ApiKeyGate clientsGate) {
        this(broker, DEFAULT_INTERVAL, DEFAULT_SAMPLES, clientsGate);
    }

    /** For tests: a shorter sampling interval. */
    StatusDataHandler(ManagedBroker broker, Duration interval, int samples) {
        this(broker, interval, samples, null);
    }

    private StatusDataHandler(ManagedBroker broker, Duration interval, int samples, ApiKeyGate clientsGate) {
        this.broker = broker;
        this.clientsGate = clientsGate;
        this.interval = interval;
        this.rates = new RateHistory(broker.metrics(), samples);
        long ms = interval.toMillis();
        this.sampling = broker.timer().scheduleAtFixedRate(rates::sample, ms, ms, TimeUnit.MILLISECONDS);
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) {
        if (exchange.isInIoThread()) {
            exchange.dispatch(this); // walks the sessions: not on the IO thread
            return;
        }
        if (!HttpReplies.allowGet(exchange)) {
            return;
        }
        int limit;
        Deque<String> asked = exchange.getQueryParameters().get("clients");
        try {
            limit = asked == null ? DEFAULT_CLIENTS : Integer.parseInt(asked.getFirst());
        } catch (NumberFormatException e) {
            limit = -1;
        }
        if (limit < 1 || limit > MAX_CLIENTS) {
            HttpReplies.json(
                    exchange,
                    StatusCodes.BAD_REQUEST,
                    new JsonText()
                            .object()
                            .field("type", "error")
                            .field(
                                    "error",
                                    "clients: expected a number from 1 to " + MAX_CLIENTS + ", got '"
                                            + (asked == null ? "" : asked.getFirst()) + "'")
                            .end()
                            .toString());
            return;
        }
        boolean listClients = true;
        if (clientsGate != null) {
            if (ApiKeyGate.keyOf(exchange) == null) {
                listClients = false; // the anonymous summary
            } else if (!clientsGate.allow(exchange, io.hookline.broker.admin.ApiKeys.Scope.STATUS)) {
                return; // answered 401/403
            }
        }
        HttpReplies.json(exchange, StatusCodes.OK, render(listClients ? limit : 0));
    }

    /** @return the status document with at most {@code clientLimit} clients listed (0: the list is hidden) */
    String render(int clientLimit) {
        BrokerMetrics m = broker.metrics();
        BrokerMeters.Census census = BrokerMeters.take(broker, System.nanoTime());
        List<String> down = new HealthHandler(broker).reasons();
        JsonText json = new JsonText()
                .object()
                .field("version", broker.version())
                .field("uptime_seconds", m.uptimeSeconds())
                .field("now", System.currentTimeMillis())
                .field("health", down.isEmpty() ? "OK" : "DOWN");
        json.array("health_reasons");
        down.forEach(json::value);
        json.end();
        json.object("totals")
                .field("connections", m.connections().get())
                .field("sessions_online", census.online())
                .field("sessions_offline", census.offline())
                .field("subscriptions", broker.subscriptionCount())
                .field("retained", broker.retained().userSize())
                .field("queued", census.queuedOnline() + census.queuedOffline())
                .field("inflight", census.inflight())
                .field("messages_in", m.messagesIn())
                .field("messages_out", m.messagesOut())
                .field("bytes_in", m.bytesIn())
                .field("bytes_out", m.bytesOut())
                .field("dropped", m.droppedTotal())
                .end();
        store(json);
        rates(json);
        clients(json, clientLimit, census.online());
        hooks(json);
        listeners(json);
        plugins(json);
        cluster(json);
        return json.end().toString();
    }

    /** {@code cluster}: null with cluster = off, else this node's name and every live node's row. */
    private void cluster(JsonText json) {
        var node = broker.cluster().orElse(null);
        if (node == null) {
            json.field("cluster", (String) null);
            return;
        }
        json.object("cluster")
                .field("name", node.settings().name())
                .field("node", node.settings().nodeName());
        json.array("nodes");
        for (NodeLoad n : node.nodes()) {
            json.object()
                    .field("node", n.node())
                    .field("address", n.address())
                    .field("mqtt", n.mqtt())
                    .field("connections", n.connections())
                    .field("self", n.self())
                    .end();
        }
        json.end().end();
    }

    private void store(JsonText json) {
        json.object("store");
        if (broker.stores() instanceof RocksStores s) {
            json.field("persistence", "on")
                    .field("directory", s.directory().toString())
                    .field("sync", s.syncPolicy().name().toLowerCase(java.util.Locale.ROOT))
                    .field("writable", s.health().writable())
                    .field("disk_bytes", s.diskBytes())
                    .field("queued_on_disk", s.estimatedRecords(Column.QUEUES))
                    .field("write_errors", s.stats().writeErrors());
        } else {
            json.field("persistence", "off");
        }
        json.end();
    }

    private void rates(JsonText json) {
        json.object("rates")
                .field("interval_seconds", interval.toMillis() / 1000.0)
                .array("samples");
        for (RateHistory.Sample s : rates.samples()) {
            json.object()
                    .field("t", s.atMillis())
                    .field("in", s.messagesIn())
                    .field("out", s.messagesOut())
                    .field("bytes_in", s.bytesIn())
                    .field("bytes_out", s.bytesOut())
                    .field("dropped", s.dropped())
                    .field("connections", s.connections())
                    .end();
        }
        json.end().end();
    }

    private void clients(JsonText json, int limit, int online) {
        List<Session> shown = new ArrayList<>();
        for (Session s : broker.sessions().all()) {
            if (s.isOnline()) {
                shown.add(s);
            }
        }
        shown.sort(Comparator.comparing(Session::clientId));
        if (limit == 0) {
            json.object("clients")
                    .field("online", online)
                    .field("limit", 0)
                    .field(
                            "hidden",
                            "listing clients needs an API key with scope status" + " (http.status.clients_require_key)")
                    .array("list")
                    .end()
                    .end();
            return;
        }
        json.object("clients").field("online", online).field("limit", limit).array("list");
        for (Session s : shown.subList(0, Math.min(limit, shown.size()))) {
            json.object()
                    .field("client_id", s.clientId())
                    .field("user", s.username())
                    .field("mountpoint", s.mountpoint())
                    .field("protocol", protocol(s.protocolVersion()))
                    .field("queue", s.queueSize())
                    .field("inflight", s.inflightSize())
                    .field("subscriptions", s.subscriptions().size())
                    .end();
        }
        json.end().end();
    }

    private void hooks(JsonText json) {
        HookEngine engine = broker.hooks().engine();
        Map<String, List<HandlerInfo>> order = engine.orderOfAll();
        json.array("hooks");
        for (Hook<?> hook : Hooks.all()) {
            List<HandlerInfo> handlers = order.get(hook.name());
            CallStats chain = engine.stats(hook);
            if (handlers == null && chain.calls() == 0) {
                continue;
            }
            json.object().field("hook", hook.name()).field("kind", hook.kind().name());
            stats(json, chain);
            json.array("handlers");
            for (HandlerInfo h : handlers == null ? List.<HandlerInfo>of() : handlers) {
                json.object()
                        .field("position", h.position())
                        .field("plugin", h.plugin())
                        .field("priority", h.priority())
                        .field("mode", h.async() ? "async" : h.mayBlock() ? "blocking" : "inline")
                        .field("timeout_ms", h.timeout().toMillis())
                        .field("on_error", h.onFailure().name().toLowerCase(java.util.Locale.ROOT));
                stats(json, h.stats());
                json.end();
            }
            json.end().end();
        }
        json.end();
    }

    private static void stats(JsonText json, CallStats s) {
        BucketHistogram latency = s.latency();
        long n = latency.count();
        long p99 = latency.quantileUpperBound(0.99);
        json.field("calls", s.calls())
                .field("denials", s.denials())
                .field("errors", s.errors())
                .field("timeouts", s.timeouts())
                .field("cancelled", s.cancelled())
                .field("mean_ms", n == 0 ? Double.NaN : latency.sum() / (double) n / 1e6)
                .field("p99_le_ms", p99 < 0 || p99 == Long.MAX_VALUE ? Double.NaN : p99 / 1e6)
                .field("p99_over_max", p99 == Long.MAX_VALUE);
    }

    private void listeners(JsonText json) {
        json.array("listeners");
        for (MqttListener l : broker.listeners()) {
            InetSocketAddress a = l.boundAddress();
            json.object()
                    .field("name", l.kind() + "." + l.name())
                    .field("address", a == null ? l.configured().toString() : a.getHostString() + ":" + a.getPort())
                    .field("up", l.isOpen())
                    .field("connections", l.openConnections())
                    .end();
        }
        json.end();
    }

    private void plugins(JsonText json) {
        json.array("plugins");
        for (PluginRegistry.Status p : broker.plugins().list()) {
            json.object()
                    .field("name", p.name())
                    .field("state", p.state().name().toLowerCase(java.util.Locale.ROOT))
                    .field("problem", p.problem())
                    .end();
        }
        json.end();
    }

    private static String protocol(int version) {
        return switch (version) {
            case 3 -> "3.1";
            case 4 -> "3.1.1";
            case 5 -> "5.0";
            default -> String.valueOf(version);
        };
    }

    @Override
    public void close() {
        sampling.cancel(false);
    }
}
