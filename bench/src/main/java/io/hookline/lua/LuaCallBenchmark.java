package io.hookline.lua;

import io.hookline.api.hook.input.Client;
import io.hookline.api.hook.input.PublishInput;
import io.hookline.api.mqtt.Bytes;
import io.hookline.api.mqtt.ProtocolVersion;
import io.hookline.lua.binding.AuthCache;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Prototype;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.slf4j.LoggerFactory;

/**
 * The pieces of one Lua {@code auth_on_publish} (a script that returns {@code true}) in
 * plugin-lua (package-private types, hence this package): the input table, the call into a state
 * (budget armed, globals put back for {@code keep_state = false}), and a whole call through a
 * script version's state pool (hand-off to a call thread and back). Its API is the same before
 * and after the hook-cost changes, so one jar measures both: put the older plugin-lua jar first
 * on the class path.
 *
 * <pre>
 * bench/run-jmh -f 1 -wi 3 -i 5 -prof gc 'io\.hookline\.lua\.LuaCallBenchmark'
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class LuaCallBenchmark {
    @Param({"false", "true"})
    public boolean keepState;

    private LuaRuntime runtime;
    private LuaState state;
    private ScriptVersion version;
    private PublishInput input;

    @Setup
    public void setup() throws Exception {
        String script = "keep_state = " + keepState + "\n"
                + "function auth_on_publish(p) return true end\n"
                + "hooks = { auth_on_publish = auth_on_publish }\n";
        Prototype p = LuaState.compile(new ByteArrayInputStream(script.getBytes(StandardCharsets.UTF_8)), "@bench.lua");
        runtime = new LuaRuntime(false, Duration.ofSeconds(5), 1, 64L << 20, new AuthCache(null));
        ScriptVersion.Source source = new ScriptVersion.Source("bench", Path.of("bench.lua"), p);
        var log = LoggerFactory.getLogger("bench.lua");
        state = new LuaState(source, runtime, log, System.nanoTime() + TimeUnit.SECONDS.toNanos(5));
        version = new ScriptVersion(source, 1, runtime, log, 1, new java.util.concurrent.atomic.LongAdder());
        input = new PublishInput(
                new Client("", "client-17", "user", ProtocolVersion.MQTT_3_1_1),
                "sensors/17/temp",
                1,
                Bytes.of(new byte[64]),
                false,
                null);
    }

    @TearDown
    public void tearDown() {
        runtime.close();
    }

    @Benchmark
    public LuaValue inputTable() {
        return LuaInputs.table(input);
    }

    @Benchmark
    public LuaValue callInState() {
        return state.call("auth_on_publish", LuaInputs.table(input), System.nanoTime() + 1_000_000_000L);
    }

    @Benchmark
    public Object callThroughPool() {
        return version.submit(
                        System.nanoTime() + 1_000_000_000L,
                        sc -> sc.call("auth_on_publish", LuaInputs.table(input)),
                        (a, t) -> {})
                .join();
    }
}
