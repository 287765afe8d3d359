package io.hookline.broker.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hookline.broker.routing.FlowControl;
import io.hookline.broker.routing.SubscriberId;
import io.hookline.broker.store.MemoryMessageQueue;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The wait graph of back-pressure: who waits on whom, never in a cycle, woken once free. */
class FlowControlTest {

    private final FlowControl flow = new FlowControl();
    private final List<String> resumed = new ArrayList<>();
    private final Session sessionA = session("a");
    private final Session sessionB = session("b");
    private final Session sessionC = session("c");
    private final FlowControl.Throttle a = new FlowControl.Throttle(sessionA, Runnable::run, () -> resumed.add("a"));
    private final FlowControl.Throttle b = new FlowControl.Throttle(sessionB, Runnable::run, () -> resumed.add("b"));

    FlowControlTest() {
        sessionA.attach(QuietConnection.throttledBy(a), terms("a"));
        sessionB.attach(QuietConnection.throttledBy(b), terms("b"));
        for (Session s : List.of(sessionA, sessionB, sessionC)) {
            s.congestedForTest(true);
        }
    }

    private static Session session(String id) {
        return new Session(SubscriberId.of(id), null, new MemoryMessageQueue());
    }

    private static SessionTerms terms(String id) {
        return new SessionTerms(SubscriberId.of(id), true, 5, 0, null, null, null, null, false);
    }

    @Test
    void aPublisherNeverWaitsOnItsOwnSession() {
        assertFalse(flow.block(a, List.of(sessionA)));
        assertFalse(flow.block(a, List.of(sessionC, sessionA)));
        assertFalse(flow.waiting(a));
    }

    @Test
    void waitingOnAClientThatWaitsItselfIsRefusedSoNoCycleForms() {
        assertTrue(flow.block(a, List.of(sessionB))); // a waits on b's session; b waits on nothing
        assertFalse(flow.block(b, List.of(sessionA))); // b on a's session would close the cycle
        assertFalse(flow.waiting(b));
    }

    @Test
    void aSessionThatDrainedMeanwhileIsNotWaitedOn() {
        sessionC.congestedForTest(false);
        assertFalse(flow.block(a, List.of(sessionC)));
    }

    @Test
    void resumedOnlyWhenEveryWaitIsOver() {
        assertTrue(flow.block(a, List.of(sessionB)));
        assertTrue(flow.block(a, List.of(sessionC)));
        assertTrue(flow.block(a, List.of(sessionC)), "already waiting: still waiting, once");
        flow.release(sessionB);
        assertEquals(List.of(), resumed);
        assertTrue(flow.waiting(a));
        flow.release(sessionC);
        assertEquals(List.of("a"), resumed);
        assertFalse(flow.waiting(a));
    }

    @Test
    void aWaitOnSeveralSessionsEndsWhenAnyOfThemDrains() {
        assertTrue(flow.block(a, List.of(sessionB, sessionC)));
        flow.release(sessionC);
        assertEquals(List.of("a"), resumed);
        flow.release(sessionB);
        assertEquals(List.of("a"), resumed, "woken once");
    }

    @Test
    void aClosedThrottleIsForgottenAndNeverWaitsAgain() {
        assertTrue(flow.block(a, List.of(sessionB)));
        flow.close(a);
        assertFalse(flow.waiting(a));
        flow.release(sessionB);
        assertEquals(List.of(), resumed);
        assertFalse(flow.block(a, List.of(sessionC)));
    }
}
