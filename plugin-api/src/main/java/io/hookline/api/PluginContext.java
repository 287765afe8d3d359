package io.hookline.api;

import io.hookline.api.auth.ReadCheck;
import io.hookline.api.command.Commands;
import io.hookline.api.hook.Answer;
import io.hookline.api.hook.AsyncHookHandler;
import io.hookline.api.hook.HandlerOptions;
import io.hookline.api.hook.Hook;
import io.hookline.api.hook.HookHandler;
import io.hookline.api.hook.HookRegistration;
import io.hookline.api.hook.input.HookInput;
import io.hookline.api.metrics.Metrics;
import io.hookline.api.mqtt.Bytes;
import io.hookline.api.mqtt.Properties;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * What the broker hands a plugin in {@link Plugin#start}: its configuration, hook registration,
 * publishing, clients, a logger, a scheduler and metrics. Thread-safe; valid until the plugin
 * stops (registrations made through it are removed then).
 *
 * <pre>{@code
 * public void start(PluginContext ctx) {
 *     System.Logger log = ctx.logger();
 *     Counter denied = ctx.metrics().counter("denied");
 *     ctx.register(Hooks.AUTH_ON_SUBSCRIBE, HandlerOptions.DEFAULT.priority(5), in -> {
 *         denied.increment();
 *         return Answer.next();
 *     });
 *     ctx.scheduler().scheduleAtFixedRate(Duration.ofMinutes(1), Duration.ofMinutes(1), this::refresh);
 * }
 * }</pre>
 */
public interface PluginContext {
    /** @return the plugin's name */
    String pluginName();

    /** @return the plugin's configuration */
    PluginConfig config();

    /** Registers a non-blocking synchronous handler with default options. */
    default <I extends HookInput> HookRegistration register(Hook<I> hook, HookHandler<I> handler) {
        return register(hook, HandlerOptions.DEFAULT, handler);
    }

    /** Registers a synchronous handler. */
    <I extends HookInput> HookRegistration register(Hook<I> hook, HandlerOptions options, HookHandler<I> handler);

    /**
     * Registers a handler that answers through a {@link java.util.concurrent.CompletionStage}.
     * The broker may cancel the returned {@link java.util.concurrent.CompletableFuture} when the
     * answer is no longer wanted (the client went away); see {@link AsyncHookHandler}.
     */
    <I extends HookInput> HookRegistration registerAsync(
            Hook<I> hook, HandlerOptions options, AsyncHookHandler<I> handler);

    /** Registers a non-blocking listener on a NOTIFY hook (convenience: the answer is ignored anyway). */
    default <I extends HookInput> HookRegistration notifications(Hook<I> hook, Consumer<I> listener) {
        return register(hook, HandlerOptions.DEFAULT, in -> {
            listener.accept(in);
            return Answer.ok();
        });
    }

    /**
     * Publishes a message as the broker (no publisher client, no {@code auth_on_publish}).
     *
     * @return a stage completing when the message has been routed
     */
    CompletionStage<Void> publish(
            String mountpoint, String topic, int qos, Bytes payload, boolean retain, Properties properties);

    /**
     * Installs a check asked for every message routed to a session, before it is queued or
     * sent: {@code false} drops that delivery silently. See {@link ReadCheck} for where it runs
     * and what it may cost. Install one only while there is something to refuse: with none
     * installed the broker skips the step.
     *
     * @return its handle: {@code cancel()} removes it (idempotent; also done when the plugin stops)
     */
    Cancellable registerReadCheck(ReadCheck check);

    /** @return client look-up, disconnect and session permissions */
    Clients clients();

    /** @return the plugin's logger (named {@code hookline.plugin.<name>}) */
    System.Logger logger();

    /** @return the plugin's scheduler */
    Scheduler scheduler();

    /** @return the plugin's metrics */
    Metrics metrics();

    /**
     * Admin commands of this plugin ({@code bin/admin} and {@code /api/v1}); they are removed
     * when the plugin stops.
     *
     * @return where to register them
     */
    Commands commands();

    /**
     * A directory for the plugin's durable state, {@code <data_dir>/plugins/<name>}; it may not
     * exist yet (create it before writing).
     *
     * <pre>{@code
     * Path file = ctx.dataDir().resolve("registrations.json");
     * }</pre>
     */
    default java.nio.file.Path dataDir() {
        return java.nio.file.Path.of("data", "plugins", pluginName());
    }
}
