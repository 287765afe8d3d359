package io.hookline.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.hookline.bench.load.SequenceTracker;
import io.hookline.bench.report.Latency;
import io.hookline.bench.report.RunResult;
import io.hookline.bench.scenario.Scenario;
import io.hookline.bench.scenario.ScenarioParams;
import io.hookline.bench.scenario.Target;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MainTest {
    private static RunResult run(double receiveRate) {
        ScenarioParams p = ScenarioParams.defaults(Scenario.POINT_TO_POINT);
        RunResult.Messaging m = new RunResult.Messaging(
                1,
                1,
                1,
                new SequenceTracker().delivery(Map.of()),
                true,
                receiveRate,
                receiveRate,
                Latency.of(SequenceTracker.newHistogram()));
        return new RunResult(p.label(), "t", p.toMap(), "ok", null, m, null, null, null);
    }

    @Test
    void medianPicksTheMiddleRunByReceiveRate() {
        RunResult slow = run(10);
        RunResult mid = run(20);
        RunResult fast = run(30);
        assertEquals(mid, Main.median(List.of(fast, slow, mid)));
        assertEquals(slow, Main.median(List.of(fast, slow)), "lower middle of an even count");
    }

    @Test
    void refusesANonLoopbackTarget() {
        PrintStream out = new PrintStream(new ByteArrayOutputStream());
        assertThrows(
                IllegalArgumentException.class,
                () -> Main.run(new String[] {"--target", "x=10.0.0.1:1883", "--scenario", "p2p"}, out));
    }

    @Test
    void needsEitherTheStandardSetOrScenarios() {
        PrintStream out = new PrintStream(new ByteArrayOutputStream());
        assertThrows(
                IllegalArgumentException.class,
                () -> Main.run(new String[] {"--target", "x=127.0.0.1:1", "--standard", "--scenario", "p2p"}, out));
        assertThrows(IllegalArgumentException.class, () -> Main.run(new String[] {"--target", "x=127.0.0.1:1"}, out));
    }

    @Test
    void hooksScenarioRunsAgainstHookTargetsThenTheBaseline() {
        Target base = Target.parse("hookline=127.0.0.1:1");
        Target other = Target.parse("mosquitto=127.0.0.1:2");
        Target hooked = Target.parse("hookline-inline=127.0.0.1:3");
        assertEquals(
                List.of(hooked, base),
                Main.targetsFor(Scenario.PUBLISH_WITH_HOOKS, List.of(base, other), List.of(hooked)));
        assertEquals(List.of(), Main.targetsFor(Scenario.PUBLISH_WITH_HOOKS, List.of(base, other), List.of()));
        assertEquals(List.of(base, other), Main.targetsFor(Scenario.FAN_OUT, List.of(base, other), List.of(hooked)));
    }

    @Test
    void rejectsRepeatOutOfRange() {
        PrintStream out = new PrintStream(new ByteArrayOutputStream());
        assertThrows(
                IllegalArgumentException.class,
                () -> Main.run(new String[] {"--target", "x=127.0.0.1:1", "--standard", "--repeat", "9"}, out));
    }
}
