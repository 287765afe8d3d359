package io.hookline.bench.scenario;

import java.time.Duration;
import java.util.List;

/**
 * The runs bench/run-all publishes in docs/benchmarks.md. Sized for a 2-core machine shared by the
 * generator and the broker: about 80 s of load per broker plus setup and drain.
 */
public final class StandardSet {
    private StandardSet() {}

    /** @param scale multiplies every duration (0.2 for a smoke run) */
    public static List<ScenarioParams> runs(double scale) {
        Duration d = Duration.ofMillis(Math.max(1000, (long) (10_000 * scale)));
        ScenarioParams p2p = ScenarioParams.defaults(Scenario.POINT_TO_POINT).withDuration(d);
        ScenarioParams fan = ScenarioParams.defaults(Scenario.FAN_OUT).withDuration(d);
        ScenarioParams shared = ScenarioParams.defaults(Scenario.SHARED_FAN_IN).withDuration(d);
        ScenarioParams hooks =
                ScenarioParams.defaults(Scenario.PUBLISH_WITH_HOOKS).withDuration(d);
        return List.of(
                // First, while the brokers are fresh: RSS growth per idle connection.
                ScenarioParams.defaults(Scenario.CONNECTION_RAMP).withConnections(10_000),
                // The same at 100,000 (issue 17's yardstick), after the first ramp's clients left; "not
                // available" where the open-file limit is too low (bench/run-all raises it where it may).
                ScenarioParams.defaults(Scenario.CONNECTION_RAMP).withConnections(100_000),
                // Throughput: how much gets through with pipelined publishers, per QoS.
                p2p.withQos(0),
                p2p.withQos(1),
                p2p.withQos(2),
                // Latency at a load both brokers sustain: flat-out latency is mostly queueing.
                p2p.withQos(1).withRate(10_000),
                // 1 -> 50 at 1000 msg/s = 50,000 deliveries/s.
                fan.withQos(0).withClients(1, 50).withRate(1000),
                // 4 publishers into one $share group of 4 members.
                shared.withQos(1),
                // auth_on_publish cost: throughput flat out, and latency at a rate all variants sustain.
                hooks.withQos(1),
                hooks.withQos(1).withRate(10_000));
    }

    /** A short unreported run so the JIT of a JVM broker is warm before measurements. */
    public static ScenarioParams warmup(double scale) {
        return ScenarioParams.defaults(Scenario.POINT_TO_POINT)
                .withQos(1)
                .withDuration(Duration.ofMillis(Math.max(1000, (long) (5000 * scale))));
    }
}
