package io.hookline.bench.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.hookline.bench.load.SequenceTracker.Delivery;
import io.hookline.bench.probe.ProcessSampler.Usage;
import io.hookline.bench.scenario.Scenario;
import io.hookline.bench.scenario.ScenarioParams;
import java.util.List;
import org.junit.jupiter.api.Test;

class HookTableTest {
    private static RunResult run(String target, double rate, double received, double cpuPercent) {
        ScenarioParams p = ScenarioParams.defaults(Scenario.PUBLISH_WITH_HOOKS).withRate(rate);
        RunResult.Messaging m = new RunResult.Messaging(
                1,
                1000,
                1000,
                new Delivery(1000, 1000, 1000, 0, 0, 0, 0, 0, 0, 0, 1),
                true,
                received,
                received,
                new Latency(1, 1, 1, 2, 3, 4, 5));
        Usage u = new Usage(1, cpuPercent, 1, 5, 1, 1, 1, 4, 100, null);
        return new RunResult(p.label(), target, p.toMap(), "ok", null, m, null, u, null);
    }

    @Test
    void everyHandlerAgainstTheLastColumnOfTheFlatOutRun() {
        List<RunResult> results = List.of(
                run("hookline-lua", 0, 50_000, 100),
                run("hookline-webhook", 0, 20_000, 100),
                run("hookline", 0, 100_000, 50),
                run("hookline-lua", 10_000, 10_000, 10)); // rate-limited: not in the table
        assertEquals("""
                | auth_on_publish handler | received msg/s | vs hookline | broker CPU us/msg | latency p99 us |
                |---|---:|---:|---:|---:|
                | hookline-lua | 50,000 | 0.50 | 20.0 | 3 |
                | hookline-webhook | 20,000 | 0.20 | 50.0 | 3 |
                | hookline (none) | 100,000 | 1.00 | 5.00 | 3 |
                """, HookTable.render(results, true));
    }

    @Test
    void nothingWithoutAFlatOutHooksRun() {
        assertEquals("", HookTable.render(List.of(run("hookline", 10_000, 10_000, 10)), true));
    }
}
