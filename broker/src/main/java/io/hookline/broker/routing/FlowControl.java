package io.hookline.broker.routing;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;

/**
 * Back-pressure from congested recipients to the connections publishing to them: who waits on
 * whom. Recipients are sessions here, any {@link Recipient} in general (a remote node too): the
 * contract is {@link Recipient#isCongested} and {@link Recipient#clientThrottle}, never a
 * downcast. A publishing connection that routes to a session above its high-water mark
 * ({@code queue_high_watermark}) waits on it, that is, stops reading, until the session drains
 * below its low-water mark, goes offline, ends, or loses a subscription (then the publisher
 * simply tries again and waits again if it still routes there). A wait may name several
 * sessions of which any one draining is enough: the members of a shared subscription group
 * that were all congested.
 *
 * <p>Waiting must never close a cycle: a waiting connection reads no PUBACKs, so its own
 * session cannot drain. A connection waits only on sessions whose own connection waits on
 * nothing, and never on its own session; edges thus only ever point at sinks and the graph
 * stays acyclic. Such a refusal leaves the message queued (bounded by max_online_messages).
 *
 * <p>Thread-safe: the graph is guarded by one lock, taken only on the slow path (a session
 * already congested, or one that stopped being so). Lock order: session monitor, then this lock.
 */
public final class FlowControl {

    private final Object lock = new Object();

    /** The publishing side of one connection. Created on CONNECT, closed when the connection closes. */
    public static final class Throttle {
        private final Recipient own;
        private final Executor loop;
        private final Runnable resume;
        // guarded by FlowControl.lock; the shared empty list until the first wait (most publishers
        // never wait, and an idle client's list would cost 48 B)
        private List<Wait> waits = NO_WAITS;
        private boolean closed;

        /**
         * @param own    the connection's session: never waited on (self-subscription)
         * @param loop   the connection's event loop
         * @param resume runs on {@code loop} when the throttle may have nothing left to wait on;
         *               it checks {@link FlowControl#waiting} before reading again
         */
        public Throttle(Recipient own, Executor loop, Runnable resume) {
            this.own = own;
            this.loop = loop;
            this.resume = resume;
        }
    }

    /** Every throttle's waits until its first: remove, clear and iteration work on it, add does not. */
    private static final List<Wait> NO_WAITS = Collections.emptyList();

    /** One reason a throttle waits: until any of {@code sessions} drains. Guarded by the lock. */
    private record Wait(Throttle throttle, List<Recipient> sessions) {}

    // who waits on each recipient; guarded by lock
    private final Map<Recipient, List<Wait>> waitersOf = new IdentityHashMap<>();

    /**
     * {@code t} routed a message to congested sessions: it waits until any one of {@code anyOf}
     * drains. Returns whether it waits now (the caller pauses reading); false when one of them
     * drained meanwhile or waiting could deadlock. Caller holds no session monitor.
     */
    public boolean block(Throttle t, List<Recipient> anyOf) {
        int n = anyOf.size();
        Throttle[] targets = new Throttle[n];
        for (int i = 0; i < n; i++) {
            targets[i] = anyOf.get(i).clientThrottle();
        }
        synchronized (lock) {
            if (t.closed) {
                return false;
            }
            for (int i = 0; i < n; i++) {
                Recipient s = anyOf.get(i);
                Throttle target = targets[i];
                if (s == t.own || target == t || (target != null && !target.waits.isEmpty())) {
                    return false; // our own session, or one whose client waits: could close a cycle
                }
                if (!s.isCongested()) {
                    return false; // drained since routing: nothing to wait for
                }
            }
            for (Wait w : t.waits) {
                if (w.sessions.equals(anyOf)) {
                    return true; // already waiting for the same
                }
            }
            Wait w = new Wait(t, List.copyOf(anyOf));
            if (t.waits == NO_WAITS) {
                t.waits = new ArrayList<>(2);
            }
            t.waits.add(w);
            for (Recipient s : w.sessions) {
                waitersOf.computeIfAbsent(s, k -> new ArrayList<>(2)).add(w);
            }
            return true;
        }
    }

    /**
     * Every wait naming {@code s} is over. Called after {@code s} stopped being congested, went
     * offline, ended or lost a subscription.
     */
    public void release(Recipient s) {
        List<Throttle> woken = null;
        synchronized (lock) {
            List<Wait> waiters = waitersOf.remove(s);
            if (waiters == null) {
                return;
            }
            for (Wait w : waiters) {
                for (Recipient other : w.sessions) {
                    if (other != s) {
                        unlink(other, w);
                    }
                }
                Throttle t = w.throttle;
                t.waits.remove(w);
                if (t.waits.isEmpty()) {
                    if (woken == null) {
                        woken = new ArrayList<>(waiters.size());
                    }
                    woken.add(t);
                }
            }
        }
        if (woken != null) {
            for (Throttle t : woken) {
                t.loop.execute(t.resume);
            }
        }
    }

    /** Whether {@code t} still waits on some session. */
    public boolean waiting(Throttle t) {
        synchronized (lock) {
            return !t.waits.isEmpty();
        }
    }

    /** The connection closed: it waits on nothing any more and is never waited for again. */
    public void close(Throttle t) {
        synchronized (lock) {
            t.closed = true;
            for (Wait w : t.waits) {
                for (Recipient s : w.sessions) {
                    unlink(s, w);
                }
            }
            t.waits.clear();
        }
    }

    // caller holds lock
    private void unlink(Recipient r, Wait w) {
        List<Wait> waiters = waitersOf.get(r);
        if (waiters != null && waiters.remove(w) && waiters.isEmpty()) {
            waitersOf.remove(r);
        }
    }
}
