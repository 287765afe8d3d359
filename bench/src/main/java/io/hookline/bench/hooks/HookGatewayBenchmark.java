package io.hookline.bench.hooks;

import io.hookline.broker.hooks.PublishVerdict;
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
    @Param({"none", "inline", "async", "blocking"})
    public String handler;

    private GatewayFixture fixture;

    @Setup(Level.Trial)
    public void setUp() {
        fixture = new GatewayFixture();
        switch (handler) {
            case "inline" -> fixture.inline();
            case "async" -> fixture.async();
            case "blocking" -> fixture.blocking();
            default -> {}
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        fixture.close();
    }

    @Benchmark
    public PublishVerdict authOnPublish() {
        return fixture.authOnPublish();
    }
}
