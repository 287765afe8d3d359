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
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Cost of one {@code auth_on_publish} through the hook gateway, without the network: no
 * handler (the fast path), one trivial inline Java handler, one async handler answering at
 * once, one blocking handler (a hop to the worker pool and back).
 *
 * <pre>
 * java -cp ... org.openjdk.jmh.Main HookGatewayBenchmark -f 1 -wi 2 -i 3 -w 1s -r 1s
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class HookGatewayBenchmark {
    private static final Executor CALLER = Runnable::run;

    @Param({"none", "inline", "async", "blocking"})
    public String handler;

    private HookEngine engine;
    private HookGateway gateway;
    private HookSession session;
    private PublishInput input;

    @Setup(Level.Trial)
    public void setUp() {
        engine = HookEngine.create(Duration.ofSeconds(5), 2);
        gateway = new HookGateway(engine);
        Client c = new Client("", "bench", "u", ProtocolVersion.MQTT_3_1_1);
        session = gateway.openSession(new RegisterVerdict.Accepted(c, Modifiers.NONE, null));
        input = new PublishInput(c, "bench/topic", 1, Bytes.utf8("payload"), false, null);
        PluginHandle plugin = new PluginHandle("bench");
        switch (handler) {
            case "inline" ->
                engine.register(
                        plugin,
                        Hooks.AUTH_ON_PUBLISH,
                        1,
                        HandlerOptions.DEFAULT,
                        in -> in.topic().startsWith("bench/") ? Answer.ok() : Answer.next(),
                        null);
            case "async" ->
                engine.register(
                        plugin,
                        Hooks.AUTH_ON_PUBLISH,
                        1,
                        HandlerOptions.DEFAULT,
                        null,
                        in -> CompletableFuture.completedFuture(Answer.ok()));
            case "blocking" ->
                engine.register(
                        plugin, Hooks.AUTH_ON_PUBLISH, 1, HandlerOptions.DEFAULT.blocking(), in -> Answer.ok(), null);
            default -> {}
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        engine.close();
    }

    @Benchmark
    public PublishVerdict authOnPublish() {
        return gateway.authOnPublish(session, input, CALLER)
                .toCompletableFuture()
                .join();
    }
}
