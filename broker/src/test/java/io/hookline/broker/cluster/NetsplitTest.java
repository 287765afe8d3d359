package io.hookline.broker.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hookline.broker.config.ClusterConfig;
import io.hookline.broker.routing.NetsplitGate.Action;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** When a node is in a netsplit (the quorum rules) and what it refuses then. */
class NetsplitTest {

    private static final int MAJORITY = ClusterConfig.QUORUM_MAJORITY;
    private static final int ALL = ClusterConfig.QUORUM_ALL;

    private static NetsplitSettings settings(int quorum, boolean allowAll) {
        return new NetsplitSettings(quorum, Duration.ofSeconds(10), allowAll, allowAll, allowAll);
    }

    @Test
    void majorityIsMoreThanHalfAndATieGoesToTheHalfWithTheFirstName() {
        Set<String> three = Set.of("a", "b", "c");
        assertTrue(Netsplit.hasQuorum(MAJORITY, three, Set.of("a", "b", "c")));
        assertTrue(Netsplit.hasQuorum(MAJORITY, three, Set.of("b", "c")), "2 of 3");
        assertFalse(Netsplit.hasQuorum(MAJORITY, three, Set.of("a")), "1 of 3, even with the first name");
        Set<String> two = Set.of("a", "b");
        assertTrue(Netsplit.hasQuorum(MAJORITY, two, Set.of("a")), "a tie: a sorts first");
        assertFalse(Netsplit.hasQuorum(MAJORITY, two, Set.of("b")), "the other half of the tie");
        Set<String> four = Set.of("n1", "n2", "n3", "n4");
        assertTrue(Netsplit.hasQuorum(MAJORITY, four, Set.of("n1", "n4")));
        assertFalse(Netsplit.hasQuorum(MAJORITY, four, Set.of("n2", "n3")), "exactly one half of a 2/2 split serves");
        assertTrue(Netsplit.hasQuorum(MAJORITY, Set.of("a"), Set.of("a")), "a node alone is its own cluster");
    }

    @Test
    void allMeansAnyUnreachableNodeAndANumberIsAMinimum() {
        Set<String> three = Set.of("a", "b", "c");
        assertTrue(Netsplit.hasQuorum(ALL, three, three));
        assertFalse(Netsplit.hasQuorum(ALL, three, Set.of("a", "b")), "VerneMQ's rule");
        assertTrue(Netsplit.hasQuorum(1, three, Set.of("c")), "1: never a netsplit");
        assertTrue(Netsplit.hasQuorum(2, three, Set.of("b", "c")));
        assertFalse(Netsplit.hasQuorum(2, three, Set.of("c")));
    }

    @Test
    void aLostNodeWithoutQuorumRefusesWhatTheKeysDoNotAllow() {
        Netsplit n = new Netsplit(settings(MAJORITY, false), "b");
        n.start(List.of("a", "b"));
        assertFalse(n.inNetsplit());
        assertNull(n.refusal(Action.REGISTER));

        n.left("a", "10.0.0.1:5701");
        assertTrue(n.inNetsplit(), "b alone, and a sorts first");
        for (Action action : Action.values()) {
            String why = n.refusal(action);
            assertTrue(why != null && why.contains("netsplit") && why.contains("1 of 2"), why);
        }
        NetsplitView view = n.snapshot();
        assertTrue(view.inNetsplit());
        assertEquals(Set.of("a"), view.unreachable().keySet());
        assertEquals(List.of("CONNECT", "PUBLISH", "SUBSCRIBE"), view.refusing());
        assertTrue(view.text().startsWith("NETSPLIT since ") && view.text().contains("cut off from a"), view.text());

        n.joined("a", "10.0.0.1:5701");
        assertFalse(n.inNetsplit());
        assertNull(n.refusal(Action.PUBLISH));
        assertTrue(n.snapshot().unreachable().isEmpty());
    }

    @Test
    void withTheKeysOnAnIslandRefusesNothing() {
        Netsplit n = new Netsplit(settings(MAJORITY, true), "b");
        n.start(List.of("a", "b"));
        n.left("a", "x");
        assertTrue(n.inNetsplit());
        for (Action action : Action.values()) {
            assertNull(n.refusal(action));
        }
        assertEquals(List.of(), n.snapshot().refusing());
        assertTrue(
                n.snapshot().text().endsWith("serving as an island"),
                n.snapshot().text());
    }

    @Test
    void theAllowKeysApplyAtOnceWhenChangedAtRunTime() {
        Netsplit n = new Netsplit(settings(MAJORITY, false), "b");
        n.start(List.of("a", "b"));
        n.left("a", "x");
        assertTrue(n.refusal(Action.REGISTER) != null);
        n.reconfigure(new NetsplitSettings(MAJORITY, Duration.ofSeconds(10), true, false, true));
        assertNull(n.refusal(Action.REGISTER), "config set allow_register_during_netsplit = on");
        assertTrue(n.refusal(Action.PUBLISH) != null);
        assertNull(n.refusal(Action.SUBSCRIBE));
        assertEquals(List.of("PUBLISH"), n.snapshot().refusing());
    }

    @Test
    void theMajoritySideServesAndSaysWhoIsUnreachable() {
        Netsplit n = new Netsplit(settings(MAJORITY, false), "a");
        n.start(List.of("a", "b", "c"));
        n.left("c", "x");
        assertFalse(n.inNetsplit());
        assertNull(n.refusal(Action.REGISTER));
        NetsplitView view = n.snapshot();
        assertEquals(Set.of("c"), view.unreachable().keySet());
        assertTrue(view.text().contains("quorum (majority) held"), view.text());
        n.left("b", "x");
        assertTrue(n.inNetsplit(), "1 of 3");
    }

    @Test
    void aNodeThatSaysGoodbyeLeavesTheQuorumCount() {
        Netsplit n = new Netsplit(settings(MAJORITY, false), "b");
        n.start(List.of("a", "b"));
        n.goodbye("a");
        n.left("a", "x");
        assertFalse(n.inNetsplit(), "a left on purpose: b is the whole cluster");
        assertEquals(List.of("b"), n.snapshot().known());
        assertTrue(n.snapshot().unreachable().isEmpty());
    }

    @Test
    void aGoodbyeHeardAfterTheNodeWasGoneStillCountsAsALeave() {
        Netsplit n = new Netsplit(settings(MAJORITY, false), "a");
        n.start(List.of("a", "b", "c"));
        n.left("b", "x");
        n.left("c", "x");
        assertTrue(n.inNetsplit(), "1 of 3");
        n.goodbye("c");
        assertFalse(n.inNetsplit(), "1 of 2 known, and a sorts first");
        assertEquals(Set.of("b"), n.snapshot().unreachable().keySet());
    }

    @Test
    void forgettingADeadNodeShrinksTheKnownSet() {
        Netsplit n = new Netsplit(settings(ALL, false), "b");
        n.start(List.of("a", "b"));
        n.left("a", "x");
        assertTrue(n.inNetsplit());
        assertFalse(n.forget("b"), "not itself");
        assertTrue(n.forget("a"));
        assertFalse(n.inNetsplit());
        assertFalse(n.forget("a"), "not twice");
    }

    @Test
    void aMergeMakesTheOtherSideReachableAgain() {
        Netsplit n = new Netsplit(settings(MAJORITY, false), "b");
        n.start(List.of("a", "b", "c"));
        n.left("a", "x");
        n.left("c", "x");
        assertTrue(n.inNetsplit());
        n.merged(List.of("a", "b"));
        assertFalse(n.inNetsplit(), "2 of 3");
        assertEquals(Set.of("c"), n.snapshot().unreachable().keySet(), "c is still missing");
    }
}
