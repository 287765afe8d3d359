package io.hookline.bench.hooks;

import io.hookline.api.hook.Answer;
import io.hookline.api.hook.HandlerOptions;
import io.hookline.api.hook.Hooks;
import io.hookline.api.hook.Modifiers;
import io.hookline.api.hook.input.Client;
import io.hookline.api.hook.input.PublishInput;
import io.hookline.api.mqtt.Bytes;
import io.hookline.api.mqtt.ProtocolVersion;
import io.hookline.broker.hooks.HookEngine;
import io.hookline.broker.hooks.HookGateway;
import io.hookline.broker.hooks.HookSession;
import io.hookline.broker.hooks.PluginHandle;
import io.hookline.broker.hooks.PublishVerdict;
import io.hookline.broker.hooks.RegisterVerdict;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * The hook benchmarks' engine, gateway and one client's session with its {@code auth_on_publish}
 * input, without the network; the benchmark registers its handler and asks {@link #authOnPublish}.
 * Uses only API that older builds have too, so the benchmarks can measure an older broker jar.
 */
final class GatewayFixture implements AutoCloseable {
    private static final Executor CALLER = Runnable::run;

    private final HookEngine engine = HookEngine.create(Duration.ofSeconds(5), 2);
    private final HookGateway gateway = new HookGateway(engine);
    private final HookSession session;
    private final PublishInput input;
    private final PluginHandle plugin = new PluginHandle("bench");

    GatewayFixture() {
        Client c = new Client("", "bench", "u", ProtocolVersion.MQTT_3_1_1);
        session = gateway.openSession(new RegisterVerdict.Accepted(c, Modifiers.NONE, null));
        input = new PublishInput(c, "bench/topic", 1, Bytes.utf8("payload"), false, null);
    }

    /** One trivial inline handler, as plugin-acl's: allows the benchmark's topic. */
    GatewayFixture inline() {
        engine.register(
                plugin,
                Hooks.AUTH_ON_PUBLISH,
                1,
                HandlerOptions.DEFAULT,
                in -> in.topic().startsWith("bench/") ? Answer.ok() : Answer.next(),
                null);
        return this;
    }

    /** One async handler that answers at once. */
    GatewayFixture async() {
        engine.register(
                plugin,
                Hooks.AUTH_ON_PUBLISH,
                1,
                HandlerOptions.DEFAULT,
                null,
                in -> CompletableFuture.completedFuture(Answer.ok()));
        return this;
    }

    /** One blocking handler: a hop to the worker pool and back. */
    GatewayFixture blocking() {
        engine.register(plugin, Hooks.AUTH_ON_PUBLISH, 1, HandlerOptions.DEFAULT.blocking(), in -> Answer.ok(), null);
        return this;
    }

    PublishVerdict authOnPublish() {
        return gateway.authOnPublish(session, input, CALLER)
                .toCompletableFuture()
                .join();
    }

    @Override
    public void close() {
        engine.close();
    }
}
