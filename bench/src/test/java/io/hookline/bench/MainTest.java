package io.hookline.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
                Main.targetsFor(Scenario.PUBLISH_WITH_HOOKS, List.of(base, other), List.of(hooked), null));
        assertEquals(List.of(), Main.targetsFor(Scenario.PUBLISH_WITH_HOOKS, List.of(base, other), List.of(), null));
        assertEquals(
                List.of(base, other), Main.targetsFor(Scenario.FAN_OUT, List.of(base, other), List.of(hooked), null));
    }

    @Test
    void aHooksBaselineReplacesTheFirstTargetAsTheNoHookBroker() {
        Target base = Target.parse("hookline=127.0.0.1:1");
        Target hooked = Target.parse("hookline-acl=127.0.0.1:3");
        Target none = Target.parse("hookline-none=127.0.0.1:4");
        assertEquals(
                List.of(hooked, none),
                Main.targetsFor(Scenario.PUBLISH_WITH_HOOKS, List.of(base), List.of(hooked), none));
        assertEquals(List.of(base), Main.targetsFor(Scenario.POINT_TO_POINT, List.of(base), List.of(hooked), none));
    }

    @Test
    void hooksRunsStartWithTheBaselineThenTheFirstHandlerAndTurnAroundEveryOtherTime() {
        // targets [acl, lua, none]: none, acl, lua; then lua, acl, none; acl always beside none
        assertArrayEquals(new int[] {2, 0, 1}, Main.runOrder(Scenario.PUBLISH_WITH_HOOKS, 3, 1));
        assertArrayEquals(new int[] {1, 0, 2}, Main.runOrder(Scenario.PUBLISH_WITH_HOOKS, 3, 2));
        assertArrayEquals(new int[] {2, 0, 1}, Main.runOrder(Scenario.PUBLISH_WITH_HOOKS, 3, 3));
        assertArrayEquals(new int[] {0, 1}, Main.runOrder(Scenario.POINT_TO_POINT, 2, 1));
        assertArrayEquals(new int[] {1, 0}, Main.runOrder(Scenario.POINT_TO_POINT, 2, 2));
        assertArrayEquals(new int[] {0}, Main.runOrder(Scenario.PUBLISH_WITH_HOOKS, 1, 2));
    }

    @Test
    void onlyTheFlatOutHooksRunTakesTheHooksRepeat() {
        ScenarioParams hooks = ScenarioParams.defaults(Scenario.PUBLISH_WITH_HOOKS);
        assertEquals(3, Main.timesFor(hooks, 1, 3));
        assertEquals(1, Main.timesFor(hooks.withRate(10_000), 1, 3));
        assertEquals(2, Main.timesFor(ScenarioParams.defaults(Scenario.POINT_TO_POINT), 2, 3));
        assertEquals(1, Main.timesFor(ScenarioParams.defaults(Scenario.CONNECTION_RAMP), 2, 3));
    }

    @Test
    void refusesAHooksBaselineWithoutHookTargetsTwiceOrAHooksRepeatOutOfRange() {
        PrintStream out = new PrintStream(new ByteArrayOutputStream());
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> Main.run(
                        new String[] {"--target", "x=127.0.0.1:1", "--hooks-baseline", "y=127.0.0.1:2", "--standard"},
                        out));
        assertEquals("--hooks-baseline needs --hooks-target", e.getMessage());
        e = assertThrows(
                IllegalArgumentException.class,
                () -> Main.run(
                        new String[] {
                            "--target",
                            "x=127.0.0.1:1",
                            "--hooks-baseline",
                            "y=127.0.0.1:2",
                            "--hooks-baseline",
                            "z=127.0.0.1:3",
                            "--standard"
                        },
                        out));
        assertEquals("--hooks-baseline is given twice", e.getMessage());
        e = assertThrows(
                IllegalArgumentException.class,
                () -> Main.run(new String[] {"--target", "x=127.0.0.1:1", "--standard", "--hooks-repeat", "0"}, out));
        assertEquals("--hooks-repeat must be 1..9", e.getMessage());
    }

    @Test
    void rejectsRepeatOutOfRange() {
        PrintStream out = new PrintStream(new ByteArrayOutputStream());
        assertThrows(
                IllegalArgumentException.class,
                () -> Main.run(new String[] {"--target", "x=127.0.0.1:1", "--standard", "--repeat", "9"}, out));
    }
}
