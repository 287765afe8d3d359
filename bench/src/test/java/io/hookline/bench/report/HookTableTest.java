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
    void repeatedRunsAddEachRepetitionsRatioBesideTheMedians() {
        RunResult acl1 = run("hookline-acl", 0, 90_000, 100);
        RunResult acl2 = run("hookline-acl", 0, 99_000, 100);
        RunResult acl3 = run("hookline-acl", 0, 95_000, 100);
        RunResult none1 = run("hookline-none", 0, 100_000, 100);
        RunResult none2 = run("hookline-none", 0, 99_000, 100);
        RunResult none3 = run("hookline-none", 0, 95_000, 100);
        // made in the order none, acl / acl, none / none, acl; the medians are acl3 and none2
        List<RunResult> all = List.of(none1, acl1, acl2, none2, none3, acl3, run("hookline-acl", 10_000, 10_000, 10));
        assertEquals("""
                | auth_on_publish handler | received msg/s | vs hookline-none | broker CPU us/msg | latency p99 us | each run vs hookline-none |
                |---|---:|---:|---:|---:|---:|
                | hookline-acl | 95,000 | 0.96 | 10.5 | 3 | 0.90 1.00 1.00 |
                | hookline-none (none) | 99,000 | 1.00 | 10.1 | 3 |  |
                """, HookTable.render(List.of(acl3, none2), all, true));
    }

    @Test
    void nothingWithoutAFlatOutHooksRun() {
        assertEquals("", HookTable.render(List.of(run("hookline", 10_000, 10_000, 10)), true));
    }
}
