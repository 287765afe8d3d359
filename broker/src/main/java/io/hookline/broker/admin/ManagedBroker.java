package io.hookline.broker.admin;

import io.hookline.broker.cluster.ClusterNode;
import io.hookline.broker.config.Config;
import io.hookline.broker.config.ConfigException;
import io.hookline.broker.hooks.HookGateway;
import io.hookline.broker.hooks.plugins.PluginRegistry;
import io.hookline.broker.metrics.BrokerMetrics;
import io.hookline.broker.metrics.MetricRegistry;
import io.hookline.broker.protocol.ClientTraces;
import io.hookline.broker.session.SessionRegistry;
import io.hookline.broker.store.RetainedStore;
import io.hookline.broker.store.Stores;
import io.hookline.broker.transport.MqttListener;
import io.hookline.broker.transport.MqttListener.ListenerException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The broker as the management side sees it (admin commands, the HTTP server, {@code /metrics},
 * {@code /health}, {@code /status}): what it reads and the few things it may change. The
 * {@code Broker} implements it; {@code admin} and {@code http} depend on this interface, never
 * on the {@code Broker} class, so that the class that wires everything can depend on them
 * without a loop. Implementations are thread-safe.
 */
public interface ManagedBroker {

    /** The broker's version ({@code dev} when run from classes, not a jar). */
    String version();

    /** The config in force now (a snapshot; {@link #changeConfig} replaces it). */
    Config config();

    /**
     * Changes live keys at runtime, all or none.
     *
     * @throws ConfigException naming every unknown, not live or invalid key; nothing changed then
     */
    void changeConfig(Map<String, String> changes) throws ConfigException;

    BrokerMetrics metrics();

    /** Plugins' own metrics ({@code hookline_plugin_<name>_...}). */
    MetricRegistry pluginMetrics();

    HookGateway hooks();

    PluginRegistry plugins();

    /** The MQTT listeners, open or stopped. */
    List<MqttListener> listeners();

    /**
     * Stops listener {@code KIND.NAME} accepting; with {@code disconnectClients} its connections
     * are closed too. Returns how many clients were asked to disconnect.
     *
     * @throws IllegalArgumentException for an unknown listener
     * @throws IllegalStateException when it is stopped already
     */
    int stopListener(String key, boolean disconnectClients);

    /**
     * Starts a stopped listener {@code KIND.NAME} again.
     *
     * @throws IllegalArgumentException for an unknown listener
     * @throws IllegalStateException when it is running
     * @throws ListenerException when it cannot bind
     */
    void startListener(String key) throws ListenerException;

    SessionRegistry sessions();

    RetainedStore retained();

    /** Where the broker keeps its state: a change the operator makes is staged in a {@link Stores#batch}. */
    Stores stores();

    /** The wall clock message expiry runs on. */
    java.time.Clock clock();

    /** How many subscriptions the broker holds. */
    int subscriptionCount();

    /**
     * Closes a connected client's connection; with {@code cleanup} its session is removed too.
     *
     * @return completes with true once the connection closed, false when it was not connected
     */
    CompletableFuture<Boolean> disconnect(String mountpoint, String clientId, boolean cleanup);

    /**
     * Sends a connected client to another node: MQTT 5 gets DISCONNECT 0x9C Use another server with
     * {@code serverReference}; older versions are just disconnected.
     *
     * @return completes with true once the connection closed, false when it was not connected
     */
    default CompletableFuture<Boolean> redirect(String mountpoint, String clientId, String serverReference) {
        return CompletableFuture.completedFuture(false);
    }

    /** Who is tracing which client ({@code admin trace client}). */
    ClientTraces traces();

    /** Puts the packet tap into a traced client's connections; completes once it is in place. */
    CompletableFuture<Void> attachTrace(String clientId);

    /** Open connections on the management HTTP listeners (0 without any). */
    long httpConnections();

    /** The broker's timer thread, for short periodic reads; never block on it. */
    ScheduledExecutorService timer();

    /** This broker as a cluster node, or empty with {@code cluster = off}. */
    default Optional<ClusterNode> cluster() {
        return Optional.empty();
    }
}
