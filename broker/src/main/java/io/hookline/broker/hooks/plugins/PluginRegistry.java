package io.hookline.broker.hooks.plugins;

import io.hookline.api.Plugin;
import io.hookline.broker.config.Config;
import io.hookline.broker.config.CoreConfig;
import io.hookline.broker.hooks.HookGateway;
import io.hookline.broker.hooks.PluginHandle;
import io.hookline.broker.metrics.MetricRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The known plugins and their state; starts those configured on and enables/disables them at
 * runtime (the API {@code admin plugin enable|disable} will call). Disabling removes the
 * plugin's handlers at once (calls in flight complete and are used), then waits for those calls
 * to end before the plugin's {@code stop()}. Thread-safe: transitions of one plugin are
 * serialized on its own stage chain; the map is guarded by {@code this}.
 */
public final class PluginRegistry implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PluginRegistry.class);
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]*");
    /** Longest wait for calls in flight before a disabled plugin is stopped anyway. */
    private static final Duration STOP_WAIT = Duration.ofSeconds(30);

    /** Where a plugin stands. */
    public enum State {
        DISABLED,
        ENABLED,
        FAILED
    }

    /**
     * One row of {@code admin plugin show}.
     *
     * @param name plugin name
     * @param source "classpath" or the jar
     * @param state current state
     * @param problem why it failed, or null
     */
    public record Status(String name, String source, State state, String problem) {}

    private final HookGateway gateway;
    private final MetricRegistry metrics;
    private final BrokerServices services;
    private final PluginCommands commands;
    private final Map<String, Entry> plugins = new LinkedHashMap<>(); // guarded by this
    private final List<PluginLoader.LoadFailure> loadFailures = new ArrayList<>(); // guarded by this
    private volatile Config config; // null until configure()

    public PluginRegistry(HookGateway gateway, MetricRegistry metrics, BrokerServices services) {
        this(gateway, metrics, services, PluginCommands.detached());
    }

    /** @param commands where plugins' admin commands go ({@code context.commands()}) */
    public PluginRegistry(
            HookGateway gateway, MetricRegistry metrics, BrokerServices services, PluginCommands commands) {
        this.gateway = Objects.requireNonNull(gateway);
        this.metrics = Objects.requireNonNull(metrics);
        this.services = Objects.requireNonNull(services);
        this.commands = Objects.requireNonNull(commands);
    }

    /** Adds what a discovery found; a duplicate or badly named plugin is reported and skipped. */
    public synchronized void add(PluginLoader.Discovery discovery) {
        loadFailures.addAll(discovery.failures());
        for (PluginLoader.Found f : discovery.plugins()) {
            add(f.plugin(), f.source());
        }
    }

    /** Adds one plugin (disabled). */
    public synchronized void add(Plugin plugin, String source) {
        String name;
        try {
            name = plugin.name();
        } catch (RuntimeException e) {
            loadFailures.add(new PluginLoader.LoadFailure(source, "name() failed: " + e));
            LOG.error(
                    "plugin {} from {} skipped: name() failed",
                    plugin.getClass().getName(),
                    source,
                    e);
            return;
        }
        if (name == null || !NAME.matcher(name).matches()) {
            loadFailures.add(new PluginLoader.LoadFailure(source, "invalid plugin name '" + name + "'"));
            LOG.error(
                    "plugin {} from {} skipped: invalid name '{}'",
                    plugin.getClass().getName(),
                    source,
                    name);
            return;
        }
        if (plugins.containsKey(name)) {
            loadFailures.add(new PluginLoader.LoadFailure(source, "duplicate plugin name '" + name + "'"));
            LOG.error(
                    "plugin {} from {} skipped: a plugin called {} was already loaded from {}",
                    plugin.getClass().getName(),
                    source,
                    name,
                    plugins.get(name).source);
            return;
        }
        plugins.put(name, new Entry(name, plugin, source));
    }

    /**
     * Sets the broker configuration plugins read at their next start: validated against
     * {@link PluginConfigSchema} (with the plugins' keys), so every value here is typed and valid.
     */
    public void configure(Config newConfig) {
        this.config = Objects.requireNonNull(newConfig);
    }

    private PluginSettings settings(String plugin) {
        Config c = config;
        return c == null ? PluginSettings.NONE : PluginSettings.of(c, plugin);
    }

    /**
     * Starts every plugin with {@code plugins.<name> = on}, in the order they were added.
     *
     * @return completes when all attempted starts ended (a failing plugin does not fail it)
     */
    public CompletionStage<Void> startConfigured() {
        List<CompletableFuture<Void>> starts = new ArrayList<>();
        for (String name : names()) {
            if (settings(name).enabled()) {
                starts.add(enable(name).toCompletableFuture().handle((v, t) -> null));
            }
        }
        return CompletableFuture.allOf(starts.toArray(CompletableFuture[]::new));
    }

    /** Starts a plugin now; completes exceptionally (and the plugin is FAILED) when start throws. */
    public CompletionStage<Void> enable(String name) {
        Entry e = entry(name);
        return e.transition(() -> {
            if (e.state == State.ENABLED) {
                return CompletableFuture.completedFuture(null);
            }
            BrokerPluginContext ctx = null;
            try {
                Config c = config;
                var overrides = settings(name);
                var pluginConfig = new MapPluginConfig(name, e.plugin.configKeys(), c);
                PluginHandle handle = new PluginHandle(name);
                var scheduler = new PluginScheduler(
                        name, gateway.engine().timer(), gateway.engine().blockingExecutor());
                ctx = new BrokerPluginContext(
                        name,
                        handle,
                        gateway,
                        services,
                        pluginConfig,
                        overrides,
                        scheduler,
                        metrics.scoped("hookline_plugin_" + name + "_"),
                        commands,
                        dataDir(name));
                e.plugin.start(ctx);
                e.context = ctx;
                e.handle = handle;
                e.state = State.ENABLED;
                e.problem = null;
                List<String> lent = gateway.engine().lentHooks(handle);
                List<String> v5only = gateway.engine().mqtt5OnlyHooks(handle);
                LOG.info(
                        "plugin {} enabled{}{}",
                        name,
                        lent.isEmpty()
                                ? ""
                                : "; it serves no _m5 twin of " + lent
                                        + ": MQTT 5 clients are asked those 3.1.1 hooks too",
                        v5only.isEmpty()
                                ? ""
                                : "; it serves " + v5only + " only: MQTT 3.1/3.1.1 clients are not asked those");
                return CompletableFuture.completedFuture(null);
            } catch (Exception | LinkageError ex) {
                if (ctx != null) {
                    ctx.close();
                }
                fail(e, "start failed: " + ex, ex);
                return CompletableFuture.failedFuture(ex);
            }
        });
    }

    /**
     * Removes a plugin's handlers now; calls in flight complete; then calls {@code stop()}.
     *
     * @return completes after {@code stop()} returned
     */
    public CompletionStage<Void> disable(String name) {
        Entry e = entry(name);
        return e.transition(() -> {
            if (e.state != State.ENABLED) {
                return CompletableFuture.completedFuture(null);
            }
            e.context.close();
            e.context = null;
            e.state = State.DISABLED;
            PluginHandle handle = e.handle;
            LOG.info("plugin {} disabled; waiting for {} call(s) in flight", name, handle.inFlight());
            // a handler whose stage never completes must not keep stop() from running forever
            return handle.whenDrained()
                    .completeOnTimeout(null, STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS)
                    .thenRunAsync(() -> stop(e, handle), gateway.engine().blockingExecutor());
        });
    }

    private static void stop(Entry e, PluginHandle handle) {
        if (handle.inFlight() > 0) {
            LOG.warn(
                    "plugin {} still has {} call(s) in flight after {}; stopping it anyway",
                    e.name,
                    handle.inFlight(),
                    STOP_WAIT);
        }
        try {
            e.plugin.stop();
            LOG.debug("plugin {} stopped", e.name);
        } catch (Exception | LinkageError ex) {
            LOG.error("plugin {} failed to stop cleanly", e.name, ex);
        }
    }

    /** {@code <data_dir>/plugins/<name>}: where a plugin keeps durable state. */
    private java.nio.file.Path dataDir(String name) {
        Config c = config;
        java.nio.file.Path base = c == null ? CoreConfig.DATA_DIR.defaultValue() : c.get(CoreConfig.DATA_DIR);
        return base.resolve("plugins").resolve(name);
    }

    /** @return every plugin with its state */
    public synchronized List<Status> list() {
        List<Status> out = new ArrayList<>();
        for (Entry e : plugins.values()) {
            out.add(new Status(e.name, e.source, e.state, e.problem));
        }
        return out;
    }

    /**
     * @return the plugin called {@code name}, for commands a plugin offers beyond hooks (e.g.
     *     {@code admin script reload} on the Lua plugin); empty when there is none
     */
    public synchronized java.util.Optional<Plugin> plugin(String name) {
        Entry e = plugins.get(name);
        return e == null ? java.util.Optional.empty() : java.util.Optional.of(e.plugin);
    }

    /** @return jars and providers that could not be loaded */
    public synchronized List<PluginLoader.LoadFailure> loadFailures() {
        return List.copyOf(loadFailures);
    }

    /** Disables every enabled plugin and waits for their stops. */
    @Override
    public void close() {
        List<CompletableFuture<Void>> stops = new ArrayList<>();
        for (String name : names()) {
            stops.add(disable(name).toCompletableFuture());
        }
        CompletableFuture.allOf(stops.toArray(CompletableFuture[]::new)).join();
    }

    private synchronized List<String> names() {
        return new ArrayList<>(plugins.keySet());
    }

    private synchronized Entry entry(String name) {
        Entry e = plugins.get(name);
        if (e == null) {
            throw new IllegalArgumentException("no plugin called '" + name + "'; known: " + plugins.keySet());
        }
        return e;
    }

    private void fail(Entry e, String problem, Throwable t) {
        e.state = State.FAILED;
        e.problem = problem;
        LOG.error("plugin {} ({}): {}", e.name, e.source, problem, t);
    }

    /** One plugin; fields are only touched inside its serialized transitions. */
    private static final class Entry {
        final String name;
        final Plugin plugin;
        final String source;
        volatile State state = State.DISABLED;
        volatile String problem;
        BrokerPluginContext context;
        PluginHandle handle;
        private CompletableFuture<Void> last = CompletableFuture.completedFuture(null);

        Entry(String name, Plugin plugin, String source) {
            this.name = name;
            this.plugin = plugin;
            this.source = source;
        }

        synchronized CompletableFuture<Void> transition(java.util.function.Supplier<CompletableFuture<Void>> step) {
            CompletableFuture<Void> next = last.handle((v, t) -> null).thenCompose(v -> step.get());
            last = next;
            return next;
        }
    }
}
