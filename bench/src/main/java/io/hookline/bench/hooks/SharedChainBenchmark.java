package io.hookline.bench.hooks;

import io.hookline.broker.hooks.PublishVerdict;
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
    private GatewayFixture fixture;

    @Setup(Level.Trial)
    public void setUp() {
        fixture = new GatewayFixture().inline();
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
