package io.hookline.broker.protocol;

import io.hookline.broker.config.ProtocolSettings;
import io.hookline.broker.config.SharedSubscriptionPolicy;
import io.hookline.broker.hooks.HookGateway;
import io.hookline.broker.metrics.BrokerMetrics;
import io.hookline.broker.routing.Message;
import io.hookline.broker.routing.Messages;
import io.hookline.broker.routing.NetsplitGate;
import io.hookline.broker.routing.Publisher;
import io.hookline.broker.routing.ReadGate;
import io.hookline.broker.routing.Recipient;
import io.hookline.broker.session.SessionRegistry;
import io.hookline.broker.store.RetainedStore;
import io.hookline.broker.store.Stores;
import io.hookline.broker.util.Scheduler;
import io.hookline.broker.util.StoreBatch;
import io.netty.util.concurrent.EventExecutor;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * What every connection needs of the broker. Thread-safe: its parts are; the settings are an
 * immutable snapshot the broker swaps atomically (read through the supplier given).
 */
public final class BrokerContext {

    private final SessionRegistry sessions;
    private final Publisher publisher;
    private final RetainedStore retained;
    private final Stores stores;
    private final Messages messages;
    private final Scheduler scheduler;
    private final BrokerMetrics metrics;
    private final HookGateway hooks;
    private final Supplier<ProtocolSettings> settings;
    private final ClientTraces traces = new ClientTraces();
    private final ClientEvents events = new ClientEvents(this::publish, this::messages);
    private final DirectMessages direct;
    private final ReadGate readGate;
    private volatile Supplier<String> offload; // null: no offloading (cluster = off)
    private final KeepAlive.Timers.PerLoop keepAlives;
    private volatile NetsplitGate netsplit; // null unless cluster = on: set once, before the listeners open

    public BrokerContext(
            SessionRegistry sessions,
            Publisher publisher,
            Stores stores,
            Messages messages,
            Scheduler scheduler,
            BrokerMetrics metrics,
            HookGateway hooks,
            Supplier<ProtocolSettings> settings,
            ReadGate readGate) {
        this.messages = messages;
        this.scheduler = scheduler;
        this.keepAlives = new KeepAlive.Timers.PerLoop(scheduler);
        this.hooks = hooks;
        this.sessions = sessions;
        this.publisher = publisher;
        this.stores = stores;
        this.retained = stores.retained();
        this.metrics = metrics;
        this.settings = settings;
        this.readGate = readGate;
        this.direct = new DirectMessages(sessions, readGate);
    }

    /** With {@code cluster = on}: what this node refuses while it is in a netsplit. */
    public void netsplitGate(NetsplitGate gate) {
        this.netsplit = gate;
    }

    /** Null when {@code action} is allowed now; else why the netsplit refuses it. With cluster = off: one null check. */
    public String netsplitRefusal(NetsplitGate.Action action) {
        NetsplitGate gate = netsplit;
        return gate == null ? null : gate.refusal(action);
    }

    /** Client events: INFO log lines and the {@code $SYS/events/...} messages switched on. */
    public ClientEvents events() {
        return events;
    }

    /** Messages to one client id ({@code $direct/...}, the HTTP API). */
    public DirectMessages direct() {
        return direct;
    }

    public SessionRegistry sessions() {
        return sessions;
    }

    /**
     * Sets where a new MQTT 5 client is sent instead of being served here (cluster offloading):
     * the supplier answers the Server Reference, or null to serve it here. Never set with
     * {@code cluster = off}.
     */
    public void offload(Supplier<String> target) {
        this.offload = target;
    }

    /** The Server Reference a new MQTT 5 client is redirected to now, or null: serve it here. */
    public String offloadTarget() {
        Supplier<String> o = offload;
        return o == null ? null : o.get();
    }

    /** The hook chains: every decision a deployment owns is asked here. */
    /** The plugins' read checks, for deliveries that do not go through the router (retained messages). */
    public ReadGate readGate() {
        return readGate;
    }

    public HookGateway hooks() {
        return hooks;
    }

    public RetainedStore retained() {
        return retained;
    }

    /** Where the broker keeps its state; {@link Stores#batch} for a write an acknowledgement waits on. */
    public Stores stores() {
        return stores;
    }

    /** Makes messages: ids and expiry instants on the broker's clock. */
    public Messages messages() {
        return messages;
    }

    /** The timers connections run on (message rate, throttle, keep alive): injected, so tests control time. */
    public Scheduler scheduler() {
        return scheduler;
    }

    /** The keep-alive timers of the connections on {@code loop} (one heap and one task per event loop). */
    KeepAlive.Timers keepAliveTimers(EventExecutor loop) {
        return keepAlives.of(loop);
    }

    /** Connections whose keep-alive is watched now, over every event loop (waits for each loop). */
    int keepAlivesWatched() throws Exception {
        return keepAlives.watched();
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
     * Publishes an accepted message through the {@link Publisher}: stores or clears the retained
     * copy, then routes it. What it stores commits on its own; nobody waits for it (broker
     * messages: wills, $SYS, plugins). Returns how many sessions it was handed to.
     */
    public int publish(Message message) {
        StoreBatch batch = stores.batch();
        int n = publish(message, null, null, batch);
        batch.commit();
        return n;
    }

    /**
     * Publishes a client's message: as {@link #publish(Message)}, with the shared subscription
     * policy of the publishing client (auth_on_register's modifier), or null for the broker's;
     * {@code congested} hears of every session that took the message while above its queue
     * high-water mark (back-pressure). Every store write it causes (the retained copy, a copy
     * queued for each persistent subscriber) is staged in {@code batch}: the caller commits it
     * and acknowledges the client once the commit completes.
     */
    public int publish(
            Message message,
            SharedSubscriptionPolicy sharedPolicy,
            Consumer<List<Recipient>> congested,
            StoreBatch batch) {
        return publisher.publish(message, sharedPolicy, congested, batch);
    }

    /**
     * Publishes as {@link #publish(Message, SharedSubscriptionPolicy, Consumer, StoreBatch)} with
     * the broker's shared policy and completes with how many sessions took it cluster-wide (the
     * other nodes' counts come back over the data plane, with a timeout; docs/cluster.md).
     */
    public java.util.concurrent.CompletionStage<Integer> publishCounted(Message message, StoreBatch batch) {
        return publisher.publishCounted(message, batch);
    }
}
