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
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

/**
 * One inline {@code auth_on_publish} handler (as plugin-acl's) asked by two threads at once
 * through one engine, as two event loops ask it in the broker: the chain's and the handler's
 * statistics and the plugin's in-flight count are shared between them, which
 * {@link HookGatewayBenchmark} (an engine per thread) does not show. Its API is the same in
 * older builds: with an older {@code hookline-broker} jar first on the class path it measures
 * that build.
 *
 * <pre>
 * java -cp ... org.openjdk.jmh.Main SharedChainBenchmark -f 1 -wi 3 -i 5 -w 1s -r 1s
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Threads(2)
public class SharedChainBenchmark {
    private static final Executor CALLER = Runnable::run;

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
        engine.register(
                new PluginHandle("bench"),
                Hooks.AUTH_ON_PUBLISH,
                1,
                HandlerOptions.DEFAULT,
                in -> in.topic().startsWith("bench/") ? Answer.ok() : Answer.next(),
                null);
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
