package io.hookline.bench.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.hookline.bench.probe.ProcessSampler.Usage;
import io.hookline.bench.scenario.Scenario;
import io.hookline.bench.scenario.ScenarioParams;
import java.util.List;
import org.junit.jupiter.api.Test;

class MemoryTableTest {
    private static final long MIB = 1 << 20;

    private static Usage peak(long bytes) {
        return new Usage(1, 50, 1, 5, bytes, bytes, bytes, 4, 100, null);
    }

    private static RunResult ramp(String target, int clients, long growthBytes) {
        ScenarioParams p = ScenarioParams.defaults(Scenario.CONNECTION_RAMP).withConnections(clients);
        RunResult.Ramp r = new RunResult.Ramp(
                clients,
                clients,
                0,
                1,
                clients,
                100 * MIB,
                100 * MIB + growthBytes,
                new Latency(0, 0, 0, 0, 0, 0, 0),
                clients / 2,
                100 * MIB + growthBytes / 4); // the second half grew by 3/4 of the whole
        return new RunResult(p.label(), target, p.toMap(), "ok", null, null, r, peak(200 * MIB), null);
    }

    private static RunResult p2p(String target, double rate, long peakBytes) {
        ScenarioParams p = ScenarioParams.defaults(Scenario.POINT_TO_POINT).withRate(rate);
        return new RunResult(p.label(), target, p.toMap(), "ok", null, null, null, peak(peakBytes), null);
    }

    @Test
    void rowsPerRampAndTheHighestFlatOutP2pPeakPerBroker() {
        ScenarioParams big = ScenarioParams.defaults(Scenario.CONNECTION_RAMP).withConnections(100_000);
        List<RunResult> results = List.of(
                ramp("hookline", 10_000, 20_480_000),
                ramp("mosquitto", 10_000, 10_240_000),
                RunResult.skipped(big.label(), "hookline", big.toMap(), "fd limit 20000 < 112000"),
                RunResult.skipped(big.label(), "mosquitto", big.toMap(), "fd limit 20000 < 112000"),
                p2p("hookline", 0, 150 * MIB),
                p2p("mosquitto", 0, 15 * MIB),
                p2p("hookline", 0, 180 * MIB),
                p2p("hookline", 10_000, 900 * MIB)); // rate-limited: not counted
        assertEquals("""
                | metric | hookline | mosquitto | hookline/mosquitto |
                |---|---:|---:|---:|
                | RSS per idle connection KiB, 10000 clients | 2.00 | 1.00 | 2.00 |
                | RSS per idle connection KiB, 10000 clients, second half | 3.00 | 1.50 | 2.00 |
                | RSS per idle connection KiB, 100000 clients | skipped: fd limit 20000 < 112000 | skipped: fd limit 20000 < 112000 |  |
                | RSS per idle connection KiB, 100000 clients, second half | - | - |  |
                | broker RSS peak MiB, flat-out p2p runs | 180.0 | 15.0 | 12.00 |
                """, Tables.memory(results, true));
    }

    @Test
    void nothingToShowWithoutRampsOrFlatOutRuns() {
        assertEquals("", Tables.memory(List.of(p2p("hookline", 10_000, MIB)), true));
    }
}
