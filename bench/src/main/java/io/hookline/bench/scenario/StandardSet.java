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
                // Latency at a fixed rate (issue 17: 20,000 msg/s); flat-out latency is mostly queueing.
                // Main runs another right after it at half of the first broker's flat-out QoS 1 rate
                // (halfOfMax).
                fixedRateLatency(scale),
                // 1 -> 50 at 1000 msg/s = 50,000 deliveries/s.
                fan.withQos(0).withClients(1, 50).withRate(1000),
                // 4 publishers into one $share group of 4 members.
                shared.withQos(1),
                // auth_on_publish cost: throughput flat out, and latency at a rate all variants sustain.
                hooks.withQos(1),
                hooks.withQos(1).withRate(10_000));
    }

    /** The flat-out run whose first broker's rate sets the rate of {@link #halfOfMax}. */
    public static ScenarioParams maxReference(double scale) {
        return ScenarioParams.defaults(Scenario.POINT_TO_POINT)
                .withDuration(duration(scale))
                .withQos(1);
    }

    /** p2p QoS 1 at 20,000 msg/s: the latency figure of issue 17. */
    public static ScenarioParams fixedRateLatency(double scale) {
        return maxReference(scale).withRate(20_000);
    }

    /** p2p QoS 1 at half of {@code maxRate} (rounded to 1,000 msg/s): latency at 50% of the broker's maximum. */
    public static ScenarioParams halfOfMax(double scale, double maxRate) {
        return maxReference(scale).withRate(Math.max(1000, Math.round(maxRate / 2 / 1000) * 1000.0));
    }

    private static Duration duration(double scale) {
        return Duration.ofMillis(Math.max(1000, (long) (10_000 * scale)));
    }

    /** A short unreported run so the JIT of a JVM broker is warm before measurements. */
    public static ScenarioParams warmup(double scale) {
        return ScenarioParams.defaults(Scenario.POINT_TO_POINT)
                .withQos(1)
                .withDuration(Duration.ofMillis(Math.max(1000, (long) (5000 * scale))));
    }
}
