package io.hookline.broker.http;

import io.hookline.broker.admin.ManagedBroker;
import io.hookline.broker.metrics.BrokerMetrics;
import io.hookline.broker.metrics.BrokerMetrics.Counter;
import io.hookline.broker.session.Session;
import io.hookline.broker.transport.MqttListener;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * Binds the broker's own counters to a Micrometer registry as {@code hookline.*} meters. Every
 * meter is a function of state the broker keeps anyway (the {@link BrokerMetrics} adders, the
 * session registry, the listeners): nothing is counted twice on the hot path, a scrape reads.
 *
 * <p>Thread-safe: the functions read adders and thread-safe registries; the session census is an
 * immutable snapshot behind a volatile field, recomputed at most once per {@link #CENSUS_MAX_AGE_NANOS}
 * so that one scrape walks the sessions once, not once per gauge.
 */
public final class BrokerMeters implements MeterBinder {
    static final long CENSUS_MAX_AGE_NANOS = 1_000_000_000L;

    private final ManagedBroker broker;
    private volatile Census census;
    private volatile MultiGauge listenerConnections;
    private volatile MultiGauge listenerUp;

    public BrokerMeters(ManagedBroker broker) {
        this.broker = broker;
    }

    /** Counts over every session, taken in one pass. */
    public record Census(
            long takenAtNanos, int online, int offline, long queuedOnline, long queuedOffline, long inflight) {}

    @Override
    public void bindTo(MeterRegistry registry) {
        BrokerMetrics m = broker.metrics();
        gauge(
                registry,
                "hookline.connections",
                "Open MQTT connections",
                () -> m.connections().get());
        gauge(
                registry,
                "hookline.publishers.paused",
                "Publishing connections not read now: a session they publish" + " to is above queue_high_watermark",
                () -> m.pausedPublishers().get());
        listenerConnections = MultiGauge.builder("hookline.listener.connections")
                .description("Open connections per listener")
                .register(registry);
        listenerUp = MultiGauge.builder("hookline.listener.up")
                .description("1 while the listener accepts connections")
                .register(registry);
        refresh();
        sessionGauge(registry, "hookline.sessions", "Sessions by state", "online", Census::online);
        sessionGauge(registry, "hookline.sessions", "Sessions by state", "offline", Census::offline);
        sessionGauge(
                registry,
                "hookline.queued.messages",
                "Messages waiting in session queues",
                "online",
                Census::queuedOnline);
        sessionGauge(
                registry,
                "hookline.queued.messages",
                "Messages waiting in session queues",
                "offline",
                Census::queuedOffline);
        gauge(
                registry,
                "hookline.inflight.messages",
                "Outgoing QoS 1/2 messages not yet acknowledged",
                () -> census().inflight());
        gauge(
                registry,
                "hookline.retained.messages",
                "Retained messages (the broker's own $SYS topics not counted)",
                () -> broker.retained().userSize());
        gauge(
                registry,
                "hookline.http.connections",
                "Open connections on the management HTTP listeners",
                broker::httpConnections);
        gauge(registry, "hookline.subscriptions", "Subscriptions", () -> broker.subscriptionCount());
        Gauge.builder("hookline.build.info", () -> 1)
                .strongReference(true)
                .description("The broker's version")
                .tag("version", broker.version())
                .register(registry);

        for (int qos = 0; qos <= 2; qos++) {
            int q = qos;
            String tag = Integer.toString(qos);
            counter(m, "hookline.messages.received", "PUBLISH packets received from clients", x -> x.messagesIn(q))
                    .tag("qos", tag)
                    .register(registry);
            counter(m, "hookline.messages.sent", "PUBLISH packets sent to clients", x -> x.messagesOut(q))
                    .tag("qos", tag)
                    .register(registry);
            counter(
                            m,
                            "hookline.publish.bytes.received",
                            "Payload bytes of PUBLISH packets received",
                            x -> x.payloadBytesIn(q))
                    .tag("qos", tag)
                    .register(registry);
            counter(
                            m,
                            "hookline.publish.bytes.sent",
                            "Payload bytes of PUBLISH packets sent",
                            x -> x.payloadBytesOut(q))
                    .tag("qos", tag)
                    .register(registry);
        }
        counter(m, "hookline.bytes.received", "Bytes read from client sockets (all packets)", BrokerMetrics::bytesIn)
                .register(registry);
        counter(m, "hookline.bytes.sent", "Bytes written to client sockets (all packets)", BrokerMetrics::bytesOut)
                .register(registry);
        for (Counter c : Counter.values()) {
            bindCounter(registry, m, c);
        }
    }

    /**
     * Brings the per-listener gauges in line with the broker's listeners (they exist only once
     * the broker started); call before each scrape.
     */
    public void refresh() {
        MultiGauge connections = listenerConnections;
        MultiGauge up = listenerUp;
        if (connections == null || up == null) {
            return;
        }
        List<MultiGauge.Row<?>> open = new ArrayList<>();
        List<MultiGauge.Row<?>> accepting = new ArrayList<>();
        for (MqttListener l : broker.listeners()) {
            Tags tags = Tags.of("listener", l.kind() + "." + l.name());
            open.add(MultiGauge.Row.of(tags, l, MqttListener::openConnections));
            accepting.add(MultiGauge.Row.of(tags, l, x -> x.isOpen() ? 1 : 0));
        }
        connections.register(open, true);
        up.register(accepting, true);
    }

    /** DROPPED_* become one meter with a reason, LIMIT_* one with the limit, the rest a meter each. */
    private static void bindCounter(MeterRegistry registry, BrokerMetrics m, Counter c) {
        String lower = c.name().toLowerCase(Locale.ROOT);
        FunctionCounter.Builder<BrokerMetrics> b;
        if (lower.startsWith("dropped_")) {
            String reason = c == Counter.DROPPED_MAX_PACKET_SIZE
                    ? "max_packet_size_exceeded"
                    : lower.substring("dropped_".length());
            b = FunctionCounter.builder("hookline.messages.dropped", m, x -> x.get(c))
                    .description("Messages dropped, by on_message_drop reason")
                    .tag("reason", reason);
        } else if (lower.startsWith("limit_")) {
            b = FunctionCounter.builder("hookline.limits.hit", m, x -> x.get(c))
                    .description("Times a configured limit was hit")
                    .tag("limit", lower.substring("limit_".length()));
        } else {
            b = FunctionCounter.builder("hookline." + lower.replace('_', '.'), m, x -> x.get(c))
                    .description(describe(c));
        }
        b.register(registry);
    }

    private static String describe(Counter c) {
        return switch (c) {
            case CONNECTIONS_ACCEPTED -> "Connections accepted (CONNACK success)";
            case CONNECTS_REFUSED -> "CONNECTs refused";
            case MALFORMED_PACKETS -> "Malformed packets received";
            case PROTOCOL_ERRORS -> "Protocol errors";
            case KEEPALIVE_TIMEOUTS -> "Connections closed for a missed keep-alive";
            case CONNECT_TIMEOUTS -> "Connections closed for no CONNECT in time";
            case SESSION_TAKEOVERS -> "Sessions taken over by a new connection";
            case SESSIONS_EXPIRED -> "Offline sessions expired";
            case WILLS_PUBLISHED -> "Will messages published";
            case TLS_HANDSHAKE_FAILURES -> "TLS handshakes that failed";
            case WEBSOCKET_BAD_REQUESTS -> "WebSocket upgrades refused";
            case PROXY_PROTOCOL_ERRORS -> "Bad PROXY protocol headers";
            case PUBLISHES_NO_SUBSCRIBERS -> "PUBLISHes that matched no subscriber";
            case PUBLISHES_DENIED -> "PUBLISHes denied by auth_on_publish";
            case DELIVERIES_DENIED ->
                "Messages not delivered to a subscriber because a plugin's read check refused the topic";
            case PUBLISHES_THROTTLED -> "PUBLISHes held back to keep a client within its max_message_rate";
            case PUBLISHERS_THROTTLED ->
                "Throttle answers of auth_on_publish applied (reading from the publisher paused)";
            case SESSIONS_CONGESTED -> "Times a session's queue went above queue_high_watermark";
            case PUBLISHER_PAUSES -> "Times reading from a publisher paused for a congested session";
            case PUBLISHES_RESERVED_TOPIC ->
                "Client PUBLISHes and wills refused because the broker owns the topic ($SYS)";
            case CLUSTER_LINKS_CONGESTED ->
                "Times a data link to another cluster node went above cluster.outbound_high_watermark";
            default -> c.name();
        };
    }

    /** @return the session counts, at most {@link #CENSUS_MAX_AGE_NANOS} old */
    public Census census() {
        Census c = census;
        long now = System.nanoTime();
        if (c != null && now - c.takenAtNanos() < CENSUS_MAX_AGE_NANOS) {
            return c;
        }
        c = take(broker, now);
        census = c;
        return c;
    }

    /** Walks every session once (each read under that session's own monitor). */
    public static Census take(ManagedBroker broker, long nowNanos) {
        int online = 0;
        int offline = 0;
        long queuedOnline = 0;
        long queuedOffline = 0;
        long inflight = 0;
        for (Session s : broker.sessions().all()) {
            int queued = s.queueSize();
            if (s.isOnline()) {
                online++;
                queuedOnline += queued;
            } else {
                offline++;
                queuedOffline += queued;
            }
            inflight += s.inflightSize();
        }
        return new Census(nowNanos, online, offline, queuedOnline, queuedOffline, inflight);
    }

    private void sessionGauge(
            MeterRegistry registry, String name, String help, String state, ToDoubleFunction<Census> f) {
        Gauge.builder(name, () -> f.applyAsDouble(census()))
                .strongReference(true)
                .description(help)
                .tag("state", state)
                .register(registry);
    }

    private static void gauge(MeterRegistry registry, String name, String help, Supplier<Number> f) {
        Gauge.builder(name, f).strongReference(true).description(help).register(registry);
    }

    /** Function counters hold their object weakly: always the broker's (strongly held) BrokerMetrics. */
    private static FunctionCounter.Builder<BrokerMetrics> counter(
            BrokerMetrics m, String name, String help, ToDoubleFunction<BrokerMetrics> f) {
        return FunctionCounter.builder(name, m, f).description(help);
    }
}
