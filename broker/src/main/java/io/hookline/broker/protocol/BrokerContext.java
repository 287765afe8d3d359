package io.hookline.broker.protocol;

import io.hookline.broker.config.ProtocolSettings;
import io.hookline.broker.config.SharedSubscriptionPolicy;
import io.hookline.broker.hooks.HookGateway;
import io.hookline.broker.metrics.BrokerMetrics;
import io.hookline.broker.metrics.BrokerMetrics.Counter;
import io.hookline.broker.routing.Message;
import io.hookline.broker.routing.Recipient;
import io.hookline.broker.routing.Router;
import io.hookline.broker.session.SessionRegistry;
import io.hookline.broker.store.RetainedStore;

import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * What every connection needs of the broker. Thread-safe: its parts are; the settings are an
 * immutable snapshot the broker swaps atomically (read through the supplier given).
 */
public final class BrokerContext {

    private final SessionRegistry sessions;
    private final Router router;
    private final RetainedStore retained;
    private final BrokerMetrics metrics;
    private final HookGateway hooks;
    private final Supplier<ProtocolSettings> settings;
    private final ClientTraces traces = new ClientTraces();

    public BrokerContext(SessionRegistry sessions, Router router, RetainedStore retained, BrokerMetrics metrics,
                         HookGateway hooks, Supplier<ProtocolSettings> settings) {
        this.hooks = hooks;
        this.sessions = sessions;
        this.router = router;
        this.retained = retained;
        this.metrics = metrics;
        this.settings = settings;
    }

    public SessionRegistry sessions() {
        return sessions;
    }

    /** The hook chains: every decision a deployment owns is asked here. */
    public HookGateway hooks() {
        return hooks;
    }

    public RetainedStore retained() {
        return retained;
    }

    public BrokerMetrics metrics() {
        return metrics;
    }

    /** Who is tracing which client ({@code admin trace client}). */
    public ClientTraces traces() {
        return traces;
    }

    /** The settings in force now: an immutable snapshot, replaced whole when a live key changes. */
    public ProtocolSettings settings() {
        return settings.get();
    }

    /**
     * Publishes an accepted message: stores or clears the retained copy, then routes it.
     * Returns how many sessions it was handed to.
     */
    public int publish(Message message) {
        return publish(message, null, null);
    }

    /**
     * Publishes a client's message: as {@link #publish(Message)}, with the shared subscription
     * policy of the publishing client (auth_on_register's modifier), or null for the broker's;
     * {@code congested} hears of every session that took the message while above its queue
     * high-water mark (back-pressure).
     */
    public int publish(Message message, SharedSubscriptionPolicy sharedPolicy, Consumer<List<Recipient>> congested) {
        if (message.retain() && settings().retainAvailable()) {
            retained.retain(message);
        }
        int n = router.route(message, sharedPolicy, congested);
        if (n == 0) {
            metrics.count(Counter.PUBLISHES_NO_SUBSCRIBERS);
        }
        return n;
    }
}
