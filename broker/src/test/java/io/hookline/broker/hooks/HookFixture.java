package io.hookline.broker.hooks;

import io.hookline.api.hook.AsyncHookHandler;
import io.hookline.api.hook.HandlerOptions;
import io.hookline.api.hook.Hook;
import io.hookline.api.hook.HookHandler;
import io.hookline.api.hook.input.Client;
import io.hookline.api.hook.input.HookInput;
import io.hookline.api.hook.input.PublishInput;
import io.hookline.api.hook.input.RegisterInput;
import io.hookline.api.hook.input.SubscribeInput;
import io.hookline.api.mqtt.Bytes;
import io.hookline.api.mqtt.ProtocolVersion;
import io.hookline.api.mqtt.TopicSubscription;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/** An engine, a gateway and a single "event loop" thread for hook tests. */
final class HookFixture implements AutoCloseable {
    static final Client V3 = new Client("", "c1", "alice", ProtocolVersion.MQTT_3_1_1);
    static final Client V5 = new Client("", "c5", "bob", ProtocolVersion.MQTT_5);

    final HookEngine engine = HookEngine.create(Duration.ofSeconds(2), 4);
    final HookGateway gateway = new HookGateway(engine);
    final ExecutorService loop = Executors.newSingleThreadExecutor(r -> new Thread(r, "event-loop"));

    <I extends HookInput> HandlerEntry<I> sync(String plugin, Hook<I> hook, int priority, HookHandler<I> h) {
        return engine.register(new PluginHandle(plugin), hook, priority, HandlerOptions.DEFAULT, h, null);
    }

    <I extends HookInput> HandlerEntry<I> sync(String plugin, Hook<I> hook, HandlerOptions o, HookHandler<I> h) {
        return engine.register(new PluginHandle(plugin), hook, o.priority().orElse(1000), o, h, null);
    }

    <I extends HookInput> HandlerEntry<I> async(String plugin, Hook<I> hook, HandlerOptions o, AsyncHookHandler<I> h) {
        return engine.register(new PluginHandle(plugin), hook, o.priority().orElse(1000), o, null, h);
    }

    HookSession session(Client c) {
        return gateway.openSession(new RegisterVerdict.Accepted(c, io.hookline.api.hook.Modifiers.NONE, null));
    }

    static PublishInput publish(Client c, String topic) {
        return new PublishInput(c, topic, 1, Bytes.utf8("x"), false, null);
    }

    static RegisterInput register(Client c, String password) {
        return new RegisterInput(
                c, "127.0.0.1", 50000, password == null ? null : Bytes.utf8(password), true, null, "default", null);
    }

    static SubscribeInput subscribe(Client c, String... filters) {
        return new SubscribeInput(
                c,
                java.util.Arrays.stream(filters)
                        .map(f -> new TopicSubscription(f, 1))
                        .toList(),
                null);
    }

    static <T> T get(CompletionStage<T> stage) {
        try {
            return stage.toCompletableFuture().get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    static List<Integer> qos(SubscribeVerdict v) {
        return ((SubscribeVerdict.Decided) v)
                .topics().stream().map(TopicSubscription::qos).toList();
    }

    @Override
    public void close() {
        loop.shutdownNow();
        engine.close();
    }
}
