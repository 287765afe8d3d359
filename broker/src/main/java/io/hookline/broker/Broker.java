package io.hookline.broker;

import io.hookline.api.hook.Hooks;
import io.hookline.api.hook.input.ConfigChange;
import io.hookline.broker.admin.AdminCommands;
import io.hookline.broker.admin.ApiKeys;
import io.hookline.broker.admin.CommandRegistry;
import io.hookline.broker.admin.HttpListeners;
import io.hookline.broker.admin.ManagedBroker;
import io.hookline.broker.cluster.ClusterNode;
import io.hookline.broker.cluster.ClusterSettings;
import io.hookline.broker.cluster.RouteTable;
import io.hookline.broker.cluster.RoutedIndex;
import io.hookline.broker.config.Config;
import io.hookline.broker.config.ConfigException;
import io.hookline.broker.config.ConfigKey;
import io.hookline.broker.config.ConfigSchema;
import io.hookline.broker.config.CoreConfig;
import io.hookline.broker.config.HostPort;
import io.hookline.broker.config.ListenerConfig;
import io.hookline.broker.config.ListenerConfig.Kind;
import io.hookline.broker.config.ProtocolSettings;
import io.hookline.broker.config.SyncPolicy;
import io.hookline.broker.config.ValueType;
import io.hookline.broker.hooks.HookEngine;
import io.hookline.broker.hooks.HookGateway;
import io.hookline.broker.hooks.plugins.PluginConfigSchema;
import io.hookline.broker.hooks.plugins.PluginLoader;
import io.hookline.broker.hooks.plugins.PluginRegistry;
import io.hookline.broker.http.ManagementServer;
import io.hookline.broker.metrics.BrokerMetrics;
import io.hookline.broker.metrics.MetricRegistry;
import io.hookline.broker.protocol.ApiPublisher;
import io.hookline.broker.protocol.BrokerContext;
import io.hookline.broker.protocol.ClientTraces;
import io.hookline.broker.protocol.DeliveryReadGate;
import io.hookline.broker.protocol.HookEvents;
import io.hookline.broker.protocol.MqttConnection;
import io.hookline.broker.routing.Message;
import io.hookline.broker.routing.Messages;
import io.hookline.broker.routing.Publisher;
import io.hookline.broker.routing.ReadGate;
import io.hookline.broker.routing.Router;
import io.hookline.broker.routing.SubscriptionTrie;
import io.hookline.broker.session.Recovery;
import io.hookline.broker.session.SessionRegistry;
import io.hookline.broker.store.MemoryStores;
import io.hookline.broker.store.RetainedStore;
import io.hookline.broker.store.Stores;
import io.hookline.broker.store.rocks.RocksStores;
import io.hookline.broker.store.rocks.StoreException;
import io.hookline.broker.transport.ListenerSettings;
import io.hookline.broker.transport.MqttListener;
import io.hookline.broker.transport.MqttListener.ListenerException;
import io.hookline.broker.util.NotifyOutbox;
import io.hookline.broker.util.Scheduler;
import io.hookline.broker.util.SystemScheduler;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Hookline broker: wires the stores, the router, the session registry and the listeners of
 * one {@link Config}. {@link #start()} binds every listener or fails naming the one that could
 * not; {@link #close()} stops it. Start and close from one thread.
 */
public final class Broker implements AutoCloseable, ManagedBroker {

    private static final Logger log = LoggerFactory.getLogger(Broker.class);
    public static final String VERSION = versionOf();

    private volatile Config config; // replaced by config set; guarded by this for writers
    private final NotifyOutbox<ConfigChange> configChanges; // on_config_change, fired outside this' monitor
    private final CommandRegistry commands = new CommandRegistry();
    private ManagementServer http;
    private ApiKeys apiKeys;
    private final BrokerMetrics metrics = new BrokerMetrics();
    private final SubscriptionTrie subscriptions = new SubscriptionTrie();
    private final Stores stores;
    private final RetainedStore retained;
    private final Clock clock;
    private final Scheduler scheduler;
    private final Messages messages;
    private final AtomicReference<ProtocolSettings> settings; // swapped whole by changeConfig
    private final ScheduledExecutorService timer;
    private final SessionRegistry sessions;
    private final ClusterNode cluster; // null with cluster = off
    private final BrokerContext context;
    private final List<MqttListener> listeners = new CopyOnWriteArrayList<>(); // read by the reload timer
    private final HookEngine hookEngine;
    private final HookGateway hooks;
    private final PluginRegistry plugins;
    private final MetricRegistry hookMetrics = new MetricRegistry();
    private EventLoopGroup boss;
    private EventLoopGroup workers;
    private Class<? extends ServerChannel> channelType;
    private ChannelGroup channels;

    /** A broker with the plugins on the class path (no drop-in directory). */
    public Broker(Config config) {
        this(config, PluginLoader.discover(Broker.class.getClassLoader(), null));
    }

    /** A broker with the plugins {@code discovery} found; those with {@code plugins.NAME = on} start with it. */
    public Broker(Config config, PluginLoader.Discovery discovery) {
        this(config, discovery, null, null, null);
    }

    /**
     * A broker on the given stores and time (tests); null for the defaults: memory stores, the
     * system clock, real timers. The broker closes the stores when it closes.
     */
    public Broker(Config config, PluginLoader.Discovery discovery, Stores stores, Clock clock, Scheduler scheduler) {
        this.config = config;
        // the store first: a locked or damaged one stops the start before any thread exists
        this.stores = stores != null ? stores : openStores(config, clock != null ? clock : Clock.systemUTC());
        this.hookEngine = HookEngine.create(
                HookEngine.DEFAULT_TIMEOUT, Math.max(4, 2 * Runtime.getRuntime().availableProcessors()));
        this.hooks = new HookGateway(hookEngine);
        this.configChanges = new NotifyOutbox<>(this);
        this.settings = new AtomicReference<>(ProtocolSettings.from(config));
        this.timer = Executors.newSingleThreadScheduledExecutor(new DefaultThreadFactory("hookline-timer", true));
        this.retained = this.stores.retained();
        this.clock = clock != null ? clock : Clock.systemUTC();
        this.scheduler = scheduler != null ? scheduler : new SystemScheduler(timer);
        this.messages = new Messages(this.clock, this.stores.highestMessageId());
        ClusterSettings clusterSettings = ClusterSettings.from(config); // null: cluster = off, nothing of it exists
        RouteTable routes = clusterSettings == null ? null : new RouteTable();
        this.sessions = new SessionRegistry(
                routes == null ? subscriptions : new RoutedIndex(subscriptions, routes),
                settings::get,
                metrics,
                this.stores,
                this.clock,
                this.scheduler,
                this::publishWill);
        ReadGate readGate = new DeliveryReadGate(hooks.readChecks(), metrics);
        Router router = new Router(subscriptions, sessions, () -> settings.get().sharedSubscriptionPolicy(), readGate);
        Publisher publisher =
                new LocalPublisher(retained, router, () -> settings.get().retainAvailable(), metrics);
        if (clusterSettings != null) {
            this.cluster = new ClusterNode(
                    clusterSettings, routes, sessions, router, retained, this.stores, messages, metrics);
            publisher = cluster.publisher(publisher, () -> settings.get().retainAvailable());
        } else {
            this.cluster = null;
        }
        this.context = new BrokerContext(
                sessions, publisher, this.stores, messages, this.scheduler, metrics, hooks, settings::get, readGate);
        if (cluster != null) {
            context.netsplitGate(cluster.netsplitGate()); // allow_*_during_netsplit
        }
        context.direct().allowAnonymous(config.get(CoreConfig.DIRECT_MESSAGES_ALLOW_ANONYMOUS));
        if (cluster != null) { // direct messages to and from clients on other nodes
            context.direct().remote(cluster.direct());
            cluster.direct()
                    .deliverWith((to, m, b) -> context.direct().send(to.mountpoint(), to.clientId(), m, b) != null);
        }
        context.events()
                .enable(config.get(CoreConfig.EVENTS_ENABLED).stream()
                        .map(io.hookline.broker.protocol.ClientEvents.Kind::of)
                        .collect(java.util.stream.Collectors.toSet()));
        sessions.setEvents(cluster == null ? new HookEvents(hooks) : cluster.sessionEvents(new HookEvents(hooks)));
        hookEngine.tap(context.traces());
        this.plugins = new PluginRegistry(
                hooks,
                hookMetrics,
                new CoreServices(context, (mountpoint, clientId) -> disconnect(mountpoint, clientId, false)),
                commands::addPlugin);
        plugins.add(discovery);
        plugins.configure(config);
    }

    /**
     * The stores {@code persistence} asks for: durable ones under data_dir/store, or memory.
     *
     * @throws StoreException when the store is held by another broker or cannot be read
     */
    private static Stores openStores(Config config, Clock clock) {
        if (!config.get(CoreConfig.PERSISTENCE)) {
            return new MemoryStores();
        }
        Path dir = config.get(CoreConfig.DATA_DIR).resolve(CoreConfig.STORE_DIRECTORY);
        SyncPolicy sync = config.get(CoreConfig.PERSISTENCE_SYNC);
        RocksStores durable = RocksStores.open(dir, sync, config.get(CoreConfig.PERSISTENCE_SYNC_INTERVAL), clock);
        log.info(
                "store {} open (persistence.sync = {}); {} retained messages loaded",
                durable.directory(),
                sync.name().toLowerCase(java.util.Locale.ROOT),
                durable.retained().size());
        return durable;
    }

    /**
     * Publishes a will the session registry raises, as any accepted message. The registry is
     * built before the context that publishes (the router finds recipients in the registry), so
     * it reaches the context through here; wills come only once clients have connected, after
     * construction.
     */
    // a will is a template: published, it gets its id and its expiry instant now
    private void publishWill(Message will) {
        context.publish(messages.create(
                will.topic(), will.qos(), will.retain(), will.payload(), will.properties(), will.sender()));
    }

    /** Every plugin found (for config validation, before a Broker exists): the class path and {@code pluginDir}. */
    public static PluginLoader.Discovery discoverPlugins(Path pluginDir) {
        return PluginLoader.discover(Broker.class.getClassLoader(), pluginDir);
    }

    /** The config schema: the core keys, plugins.NAME keys, and the keys of the plugins found. */
    public static ConfigSchema configSchema(PluginLoader.Discovery discovery) {
        return PluginConfigSchema.addTo(
                CoreConfig.schema(),
                discovery.plugins().stream().map(PluginLoader.Found::plugin).toList());
    }

    public Broker start() throws ListenerException {
        Map<String, HostPort> httpListeners = config.named(CoreConfig.LISTENER_HTTP);
        if (!httpListeners.isEmpty()) {
            Path dataDir = config.get(CoreConfig.DATA_DIR);
            try {
                apiKeys = ApiKeys.open(dataDir);
            } catch (IOException e) {
                throw new ListenerException("management API keys in " + dataDir + " (data_dir): " + e.getMessage(), e);
            }
            http = new ManagementServer(
                    this,
                    commands,
                    apiKeys,
                    new ManagementServer.Protection(
                            config.get(CoreConfig.HTTP_METRICS_REQUIRE_KEY),
                            config.get(CoreConfig.HTTP_STATUS_REQUIRE_KEY),
                            config.get(CoreConfig.HTTP_HEALTH_REQUIRE_KEY)),
                    new ApiPublisher(context));
        }
        AdminCommands.registerCore(commands, this, apiKeys, http == null ? HttpListeners.NONE : http);
        // plugins first: no client may connect before the chains that decide about it exist
        plugins.startConfigured().toCompletableFuture().join();
        for (var failure : plugins.loadFailures()) {
            log.error("plugin from {} not loaded: {}", failure.source(), failure.message());
        }
        if (cluster != null) {
            try {
                cluster.start(); // before recovery: recovered subscriptions become routes, retained comes in
            } catch (IllegalStateException e) {
                throw new ListenerException(e.getMessage(), e);
            }
        }
        recover();
        if (cluster != null) {
            cluster.sessionsRecovered(); // after recovery: the sessions it brought back are claimed cluster-wide
        }
        checkSharedTlsKeys();
        List<ListenerSettings> wanted = new ArrayList<>();
        for (Kind kind : Kind.values()) {
            for (String name : config.named(ListenerConfig.keys(kind).address()).keySet()) {
                wanted.add(ListenerSettings.from(config, kind, name));
            }
        }
        if (wanted.isEmpty()) {
            throw new ListenerException("no MQTT listener configured: add a line 'listener.tcp.NAME = ip:port'", null);
        }
        boolean epoll = Epoll.isAvailable();
        int threads = config.get(CoreConfig.IO_THREADS);
        if (threads == ValueType.AUTO) {
            threads = Runtime.getRuntime().availableProcessors();
        }
        boss = epoll
                ? new EpollEventLoopGroup(1, new DefaultThreadFactory("hookline-accept"))
                : new NioEventLoopGroup(1, new DefaultThreadFactory("hookline-accept"));
        workers = epoll
                ? new EpollEventLoopGroup(threads, new DefaultThreadFactory("hookline-io"))
                : new NioEventLoopGroup(threads, new DefaultThreadFactory("hookline-io"));
        channelType = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        channels = new DefaultChannelGroup("hookline-clients", GlobalEventExecutor.INSTANCE);
        try {
            for (ListenerSettings s : wanted) {
                MqttListener listener = new MqttListener(s, context, channels);
                listener.start(boss, workers, channelType);
                listeners.add(listener);
                log.info(
                        "MQTT listener '{}' on {} {}{}",
                        s.name(),
                        s.kind().word(),
                        listener.boundAddress(),
                        s.path() == null ? "" : " path " + s.path());
                warnIfOpenToAnonymous(s, listener.boundAddress());
            }
        } catch (ListenerException e) {
            close();
            throw e;
        }
        if (http != null) {
            try {
                http.start(httpListeners);
            } catch (ListenerException e) {
                close();
                throw e;
            }
        }
        if (http != null) {
            ManagementServer server = http;
            timer.scheduleWithFixedDelay(server::checkConnectionLimit, 5, 5, TimeUnit.SECONDS);
        }
        if (cluster != null) {
            ClusterClients.wire(cluster, context, channels, listeners, this::config, timer);
        }
        long reloadInterval = config.get(ListenerConfig.TLS_RELOAD_INTERVAL).toMillis();
        if (reloadInterval > 0 && listeners.stream().anyMatch(l -> l.settings().tls() != null)) {
            timer.scheduleWithFixedDelay(
                    this::reloadCertificates, reloadInterval, reloadInterval, TimeUnit.MILLISECONDS);
        }
        long sysInterval = config.get(CoreConfig.SYSTREE_INTERVAL).toMillis();
        if (sysInterval > 0) {
            SysTree sys = new SysTree(
                    metrics,
                    sessions::size,
                    subscriptions::size,
                    retained::userSize,
                    context.messages(),
                    cluster == null ? context::publish : ClusterClients.perNodeSys(cluster, context),
                    VERSION);
            timer.scheduleAtFixedRate(
                    () -> {
                        try {
                            sys.run();
                        } catch (RuntimeException ex) {
                            log.warn("$SYS publication failed", ex);
                        }
                    },
                    sysInterval,
                    sysInterval,
                    TimeUnit.MILLISECONDS);
        }
        return this;
    }

    /** Brings back what the stores hold (nothing with memory stores), before any client can connect. */
    private void recover() {
        Recovery.Result r = sessions.recover();
        if (r.sessions() + r.expired() > 0) {
            log.info(
                    "restored {} sessions ({} subscriptions, {} queued and {} in-flight messages; {} expired while"
                            + " the broker was down, {} wills sent) in {} ms",
                    r.sessions(),
                    r.subscriptions(),
                    r.queued(),
                    r.inflight(),
                    r.expired(),
                    r.willsSent(),
                    r.millis());
        } else {
            log.debug("no stored sessions to restore ({} ms)", r.millis());
        }
    }

    /**
     * Anonymous clients are only safe when nobody else can reach the listener: say so loudly
     * when a listener bound beyond loopback lets clients without credentials in.
     */
    private void warnIfOpenToAnonymous(ListenerSettings s, InetSocketAddress bound) {
        Boolean own = s.info().allowAnonymous();
        boolean anonymous = own != null ? own : config.get(CoreConfig.ALLOW_ANONYMOUS);
        if (anonymous && bound != null && !bound.getAddress().isLoopbackAddress()) {
            log.warn(
                    "MQTT listener '{}' on {} {} accepts clients without credentials from other machines "
                            + "(allow_anonymous = on{}): set {}.allow_anonymous = off unless that is intended",
                    s.name(),
                    s.kind().word(),
                    bound,
                    own != null ? " for this listener" : "",
                    s.key());
        }
    }

    /** The port a listener is bound to (useful with port 0), or -1; the first kind (tcp, ssl, ws, wss) with that name. */
    public int port(String listenerName) {
        for (MqttListener l : listeners) {
            if (l.name().equals(listenerName) && l.boundAddress() != null) {
                return l.boundAddress().getPort();
            }
        }
        return -1;
    }

    /** The port of listener {@code listener.KIND.NAME}, or -1. */
    public int port(String kind, String listenerName) {
        for (MqttListener l : listeners) {
            if (l.kind().equals(kind) && l.name().equals(listenerName) && l.boundAddress() != null) {
                return l.boundAddress().getPort();
            }
        }
        return -1;
    }

    /**
     * listener.ssl.certfile etc. are the shared TLS settings, never listeners; someone who
     * named an ssl listener "certfile" would otherwise see it silently ignored.
     */
    private void checkSharedTlsKeys() throws ListenerException {
        for (ConfigKey<?> key :
                List.of(ListenerConfig.TLS_CERTFILE, ListenerConfig.TLS_KEYFILE, ListenerConfig.TLS_CAFILE)) {
            Object value = config.get(key);
            if (value instanceof String text && text.matches("[^/\\\\]*:[0-9]{1,5}")) {
                throw new ListenerException(
                        key.name() + " = " + text + ": this key is the file shared by all"
                                + " ssl and wss listeners, not a listener; choose another listener name",
                        null);
            }
        }
    }

    /** Checks every TLS listener's files and reloads those that changed; runs on the timer thread. */
    private void reloadCertificates() {
        for (MqttListener l : listeners) {
            try {
                l.reloadCertificatesIfChanged();
            } catch (RuntimeException e) {
                log.warn("listener.{}.{}: certificate reload failed", l.kind(), l.name(), e);
            }
        }
    }

    @Override
    public List<MqttListener> listeners() {
        return List.copyOf(listeners);
    }

    @Override
    public HookGateway hooks() {
        return hooks;
    }

    @Override
    public PluginRegistry plugins() {
        return plugins;
    }

    /** The port of listener {@code listener.http.NAME}, or -1. */
    public int httpPort(String name) {
        return http == null ? -1 : http.port(name);
    }

    /** The admin command tree (HTTP API and bin/admin); plugins add to it through their context. */
    public CommandRegistry commands() {
        return commands;
    }

    /**
     * Changes live keys at runtime, all or none (not persisted): every key must be declared and
     * live, every value valid. Plugins hear of it through {@code on_config_change}, after the
     * change is applied and outside the broker's monitor (a handler may change the config
     * itself, or wait for a thread that does), in the order the changes were applied; when
     * another thread is notifying already, it tells the plugins of this change too and this
     * call may return first.
     *
     * @throws ConfigException naming every unknown, not live or invalid key; nothing changed then
     */
    @Override
    public void changeConfig(Map<String, String> changes) throws ConfigException {
        synchronized (this) {
            Map<String, ConfigKey<?>> declared = new HashMap<>();
            for (ConfigKey<?> k : config.keys()) {
                declared.put(k.name(), k);
            }
            List<String> problems = new ArrayList<>();
            for (String key : changes.keySet()) {
                ConfigKey<?> k = declared.get(key);
                if (k == null) {
                    problems.add(key + ": unknown key, or not one that can be changed at runtime");
                } else if (!k.live()) {
                    problems.add(key + ": not live (needs a restart: change it in broker.conf)");
                }
            }
            if (!problems.isEmpty()) {
                throw new ConfigException(problems);
            }
            Config next = config.with(changes);
            config = next;
            settings.set(ProtocolSettings.from(next));
            if (cluster != null) {
                cluster.configChanged(next); // allow_*_during_netsplit
            }
            plugins.configure(next);
            configChanges.add(new ConfigChange(changes));
        }
        log.info("config changed at runtime: {}", changes.keySet());
        configChanges.fire(change -> hooks.notify(Hooks.ON_CONFIG_CHANGE, change));
    }

    /**
     * Puts the packet tap into a traced client's connections (on the mountpoints traced), if it
     * is connected now.
     *
     * @return completes once the tap is in place
     */
    @Override
    public CompletableFuture<Void> attachTrace(String clientId) {
        if (channels == null) {
            return CompletableFuture.completedFuture(null);
        }
        List<CompletableFuture<Void>> attached = new ArrayList<>();
        for (Channel ch : channels) {
            MqttConnection c = ch.pipeline().get(MqttConnection.class);
            if (c != null && clientId.equals(c.clientId())) {
                attached.add(context.traces().attachIfTraced(ch, clientId));
            }
        }
        return CompletableFuture.allOf(attached.toArray(CompletableFuture[]::new));
    }

    /**
     * Closes a connected client's connection (v5: DISCONNECT 0x98); with {@code cleanup} its
     * session is removed once the connection is gone.
     *
     * @return completes with true once the connection closed, false when it was not connected
     */
    @Override
    public CompletableFuture<Boolean> disconnect(String mountpoint, String clientId, boolean cleanup) {
        return disconnect(mountpoint, clientId, cleanup, MqttConnection::administrativeDisconnect);
    }

    /** Sends a connected client to another node (v5: DISCONNECT 0x9C with {@code serverReference}). */
    @Override
    public CompletableFuture<Boolean> redirect(String mountpoint, String clientId, String serverReference) {
        return disconnect(mountpoint, clientId, false, c -> c.redirect(serverReference));
    }

    private CompletableFuture<Boolean> disconnect(
            String mountpoint, String clientId, boolean cleanup, java.util.function.Consumer<MqttConnection> how) {
        String mp = mountpoint == null ? "" : mountpoint;
        var session = sessions.get(mp, clientId);
        if (session == null || !session.isOnline() || channels == null) {
            return CompletableFuture.completedFuture(false);
        }
        for (Channel ch : channels) {
            MqttConnection c = ch.pipeline().get(MqttConnection.class);
            if (c != null
                    && clientId.equals(c.clientId())
                    && mp.equals(c.listener().mountpoint())) {
                CompletableFuture<Boolean> done = new CompletableFuture<>();
                // the close future fires before channelInactive detaches the session: go round the loop twice
                ch.closeFuture()
                        .addListener(f -> ch.eventLoop()
                                .execute(() -> ch.eventLoop().execute(() -> {
                                    if (cleanup) {
                                        sessions.remove(mp, clientId);
                                    }
                                    done.complete(true);
                                })));
                how.accept(c);
                return done;
            }
        }
        return CompletableFuture.completedFuture(false);
    }

    /**
     * Stops listener {@code KIND.NAME} (e.g. {@code tcp.default}) accepting connections; with
     * {@code disconnectClients} its open connections are closed too (MQTT 5: DISCONNECT 0x98).
     * Returns how many clients were asked to disconnect.
     *
     * @throws IllegalArgumentException for an unknown listener
     * @throws IllegalStateException when it is stopped already
     */
    @Override
    public synchronized int stopListener(String key, boolean disconnectClients) {
        MqttListener l = listener(key);
        if (!l.isOpen()) {
            throw new IllegalStateException("listener " + key + " is stopped already");
        }
        l.close();
        log.info("MQTT listener {} stopped", key);
        int n = 0;
        if (disconnectClients) {
            for (Channel ch : channels) {
                MqttConnection c = ch.pipeline().get(MqttConnection.class);
                if (c != null && l.accepted(ch)) {
                    c.administrativeDisconnect();
                    n++;
                }
            }
        }
        return n;
    }

    /**
     * Starts a stopped listener {@code KIND.NAME} again on its configured address.
     *
     * @throws IllegalArgumentException for an unknown listener
     * @throws IllegalStateException when it is running
     * @throws ListenerException when it cannot bind (naming the listener and address)
     */
    @Override
    public synchronized void startListener(String key) throws ListenerException {
        MqttListener l = listener(key);
        if (l.isOpen()) {
            throw new IllegalStateException("listener " + key + " is running already");
        }
        l.start(boss, workers, channelType);
        log.info("MQTT listener {} started on {}", key, l.boundAddress());
    }

    private MqttListener listener(String key) {
        for (MqttListener l : listeners) {
            if ((l.kind() + "." + l.name()).equals(key)) {
                return l;
            }
        }
        throw new IllegalArgumentException("no MQTT listener '" + key + "' (KIND.NAME, e.g. tcp.default); listeners: "
                + listeners.stream().map(x -> x.kind() + "." + x.name()).toList());
    }

    @Override
    public Config config() {
        return config;
    }

    public BrokerContext context() {
        return context;
    }

    @Override
    public SessionRegistry sessions() {
        return sessions;
    }

    @Override
    public RetainedStore retained() {
        return retained;
    }

    /** Where the broker keeps its state. */
    @Override
    public Stores stores() {
        return stores;
    }

    /** The wall clock message expiry and session records run on. */
    @Override
    public Clock clock() {
        return clock;
    }

    /** The timers of sessions and connections (injected in tests). */
    public Scheduler scheduler() {
        return scheduler;
    }

    @Override
    public BrokerMetrics metrics() {
        return metrics;
    }

    /** Plugins' own metrics ({@code hookline_plugin_<name>_...}), exported by {@code /metrics}. */
    @Override
    public MetricRegistry pluginMetrics() {
        return hookMetrics;
    }

    /** Open connections on the management HTTP listeners (0 without any). */
    @Override
    public long httpConnections() {
        ManagementServer server = http;
        return server == null ? 0 : server.openConnections();
    }

    /** The broker's timer thread, for short periodic reads (status page samples); never block on it. */
    @Override
    public ScheduledExecutorService timer() {
        return timer;
    }

    public SubscriptionTrie subscriptions() {
        return subscriptions;
    }

    @Override
    public int subscriptionCount() {
        return subscriptions.size();
    }

    @Override
    public ClientTraces traces() {
        return context.traces();
    }

    @Override
    public java.util.Optional<ClusterNode> cluster() {
        return java.util.Optional.ofNullable(cluster);
    }

    @Override
    public String version() {
        return VERSION;
    }

    /**
     * Stops accepting, closes every client connection (their wills are handled as for any
     * abrupt close), and releases the threads.
     */
    /** @return the event loops serving MQTT connections ({@code io_threads}); 0 before the listeners start */
    public int ioThreads() {
        EventLoopGroup w = workers;
        int n = 0;
        if (w != null) {
            for (io.netty.util.concurrent.EventExecutor ignored : w) {
                n++;
            }
        }
        return n;
    }

    @Override
    public void close() {
        if (http != null) {
            http.close();
        }
        for (MqttListener l : listeners) {
            l.close();
        }
        listeners.clear();
        if (channels != null) {
            for (Channel ch : channels) {
                MqttConnection connection = ch.pipeline().get(MqttConnection.class);
                if (connection != null) {
                    connection.serverShutdown();
                }
            }
            channels.newCloseFuture().awaitUninterruptibly(2, TimeUnit.SECONDS);
            channels.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        if (boss != null) {
            boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
        if (workers != null) {
            workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
        if (cluster != null) {
            cluster.close(); // after the clients: their wills went to the other nodes
        }
        timer.shutdownNow();
        stores.close();
        plugins.close();
        hookEngine.close();
    }

    private static String versionOf() {
        String v = Broker.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }
}
