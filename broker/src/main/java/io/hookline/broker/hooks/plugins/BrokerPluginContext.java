package io.hookline.broker.hooks.plugins;

import io.hookline.api.Cancellable;
import io.hookline.api.ClientSummary;
import io.hookline.api.Clients;
import io.hookline.api.PluginConfig;
import io.hookline.api.PluginContext;
import io.hookline.api.Scheduler;
import io.hookline.api.auth.ReadCheck;
import io.hookline.api.auth.SessionPermissions;
import io.hookline.api.command.CommandHandler;
import io.hookline.api.command.CommandRegistration;
import io.hookline.api.command.CommandSpec;
import io.hookline.api.command.Commands;
import io.hookline.api.hook.AsyncHookHandler;
import io.hookline.api.hook.HandlerOptions;
import io.hookline.api.hook.Hook;
import io.hookline.api.hook.HookHandler;
import io.hookline.api.hook.HookRegistration;
import io.hookline.api.hook.input.HookInput;
import io.hookline.api.metrics.Metrics;
import io.hookline.api.mqtt.Bytes;
import io.hookline.api.mqtt.Properties;
import io.hookline.broker.hooks.HandlerEntry;
import io.hookline.broker.hooks.HookGateway;
import io.hookline.broker.hooks.PluginHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * The context of one started plugin. Remembers what the plugin registered so a disable can
 * remove it all. Thread-safe: registrations guarded by {@code this}.
 */
final class BrokerPluginContext implements PluginContext, Clients {
    private final String name;
    private final PluginHandle handle;
    private final HookGateway gateway;
    private final BrokerServices services;
    private final PluginConfig config;
    private final PluginSettings overrides;
    private final PluginScheduler scheduler;
    private final Metrics metrics;
    private final System.Logger logger;
    private final java.nio.file.Path dataDir;
    private final PluginCommands commandRegistry;
    private final List<HandlerEntry<?>> registrations = new ArrayList<>(); // guarded by this
    private final List<CommandRegistration> commandRegistrations = new ArrayList<>(); // guarded by this
    private final List<Cancellable> readChecks = new ArrayList<>(); // guarded by this
    private boolean closed; // guarded by this

    BrokerPluginContext(
            String name,
            PluginHandle handle,
            HookGateway gateway,
            BrokerServices services,
            PluginConfig config,
            PluginSettings overrides,
            PluginScheduler scheduler,
            Metrics metrics,
            PluginCommands commandRegistry,
            java.nio.file.Path dataDir) {
        this.commandRegistry = commandRegistry;
        this.name = name;
        this.handle = handle;
        this.gateway = gateway;
        this.services = services;
        this.config = config;
        this.overrides = overrides;
        this.scheduler = scheduler;
        this.metrics = metrics;
        this.dataDir = dataDir;
        this.logger = new Slf4jSystemLogger("hookline.plugin." + name);
    }

    @Override
    public String pluginName() {
        return name;
    }

    @Override
    public java.nio.file.Path dataDir() {
        return dataDir;
    }

    @Override
    public PluginConfig config() {
        return config;
    }

    @Override
    public <I extends HookInput> HookRegistration register(
            Hook<I> hook, HandlerOptions options, HookHandler<I> handler) {
        return add(hook, options, Objects.requireNonNull(handler, "handler"), null);
    }

    @Override
    public <I extends HookInput> HookRegistration registerAsync(
            Hook<I> hook, HandlerOptions options, AsyncHookHandler<I> handler) {
        return add(hook, options, null, Objects.requireNonNull(handler, "handler"));
    }

    private synchronized <I extends HookInput> HookRegistration add(
            Hook<I> hook, HandlerOptions options, HookHandler<I> sync, AsyncHookHandler<I> async) {
        if (closed) {
            throw new IllegalStateException("plugin " + name + " is stopped");
        }
        // what the operator configured wins over what the plugin asks for
        int priority = overrides.priority().isPresent()
                ? overrides.priority().getAsInt()
                : options.priority().orElse(PluginSettings.DEFAULT_PRIORITY);
        HandlerOptions effective = options;
        if (overrides.onError() != null) {
            effective = effective.onFailure(overrides.onError());
        }
        if (overrides.timeout() != null) {
            effective = effective.timeout(overrides.timeout());
        }
        HandlerEntry<I> e = gateway.engine().register(handle, hook, priority, effective, sync, async);
        registrations.add(e);
        return e;
    }

    /** Removes every handler and scheduled task; calls in flight complete. */
    synchronized void close() {
        closed = true;
        for (HandlerEntry<?> e : registrations) {
            e.unregister();
        }
        registrations.clear();
        commandRegistrations.forEach(CommandRegistration::unregister);
        commandRegistrations.clear();
        readChecks.forEach(Cancellable::cancel);
        readChecks.clear();
        scheduler.close();
    }

    @Override
    public CompletionStage<Void> publish(
            String mountpoint, String topic, int qos, Bytes payload, boolean retain, Properties properties) {
        return services.publish(mountpoint, topic, qos, payload, retain, properties);
    }

    @Override
    public synchronized Cancellable registerReadCheck(ReadCheck check) {
        if (closed) {
            throw new IllegalStateException("plugin " + name + " is stopped");
        }
        Cancellable installed = gateway.readChecks().add(name, check);
        readChecks.add(installed);
        return () -> {
            installed.cancel();
            synchronized (this) {
                readChecks.remove(installed);
            }
        };
    }

    @Override
    public Clients clients() {
        return this;
    }

    @Override
    public System.Logger logger() {
        return logger;
    }

    @Override
    public Scheduler scheduler() {
        return scheduler;
    }

    @Override
    public Metrics metrics() {
        return metrics;
    }

    @Override
    public Commands commands() {
        return this::addCommand;
    }

    private synchronized CommandRegistration addCommand(CommandSpec spec, CommandHandler handler) {
        if (closed) {
            throw new IllegalStateException("plugin " + name + " is stopped");
        }
        CommandRegistration r = commandRegistry.add(spec, handler, name);
        commandRegistrations.add(r);
        return () -> {
            r.unregister();
            synchronized (this) {
                commandRegistrations.remove(r);
            }
        };
    }

    @Override
    public Optional<ClientSummary> lookup(String mountpoint, String clientId) {
        return services.lookup(mountpoint, clientId);
    }

    @Override
    public CompletionStage<Boolean> disconnect(String mountpoint, String clientId) {
        return services.disconnect(mountpoint, clientId);
    }

    @Override
    public boolean setPermissions(String mountpoint, String clientId, SessionPermissions permissions) {
        return gateway.setPermissions(mountpoint, clientId, permissions);
    }
}
