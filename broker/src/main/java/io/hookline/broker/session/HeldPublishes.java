package io.hookline.broker.session;

import io.hookline.broker.routing.Delivery;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A persistent session's PUBLISHes that wait for the write recording them in flight: a QoS 2
 * PUBLISH reaches the client only once a restart would resend it with its packet id and DUP.
 * Sent before, a kill in between makes the restarted broker send the message again from its
 * queue under a new packet id, and a client that delivers QoS 2 on PUBLISH (MQTT's "method A")
 * takes it for a new one. One group per burst of the session's send loop that holds a QoS 2
 * message, written in order; the QoS 0/1 messages of that burst, and every burst after it while
 * it waits, wait with it, so nothing overtakes. (QoS 1 alone does not wait: at least once allows
 * the resend.)
 *
 * <p>Thread-safety: guarded by the owning session's monitor.
 */
final class HeldPublishes {

    /** One PUBLISH to write; {@code entry} null for QoS 0. */
    record Out(int packetId, Delivery delivery, Inflight entry) {}

    /** {@code refusable}: the burst's messages were written in their publisher's batch, and go with it if it fails. */
    private record Group(SessionConnection to, CompletableFuture<Void> stored, List<Out> out, boolean refusable) {}

    private final ArrayDeque<Group> groups = new ArrayDeque<>();

    boolean isEmpty() {
        return groups.isEmpty();
    }

    /** The burst waits for {@code stored}; its in-flight entries are unwritten until then. */
    void hold(SessionConnection to, CompletableFuture<Void> stored, List<Out> out) {
        hold(to, stored, out, false);
    }

    /**
     * As above; {@code refusable}: the burst is in flight only through its publisher's batch
     * ({@code stored}), so if that write fails (the publish is refused) its messages are not sent
     * but handed to {@link #release}'s {@code refused} list.
     */
    void hold(SessionConnection to, CompletableFuture<Void> stored, List<Out> out, boolean refusable) {
        for (Out o : out) {
            if (o.entry() != null) {
                o.entry().unwritten = true;
            }
        }
        groups.addLast(new Group(to, stored, out, refusable));
    }

    /**
     * Takes, in order, the groups for {@code to} whose write completed (failed too: the store logged
     * it, and the client is not kept waiting on a disk that refuses; a refusable group that failed
     * goes to {@code refused} instead) up to the first still waiting;
     * groups of another connection are dropped (a reconnect resends what is in flight).
     */
    List<Out> release(SessionConnection to, List<Out> refused) {
        List<Out> ready = new ArrayList<>();
        Group g;
        while ((g = groups.peekFirst()) != null && (g.to() != to || g.stored().isDone())) {
            groups.pollFirst();
            if (g.to() != to) {
                continue;
            }
            if (g.refusable() && g.stored().isCompletedExceptionally()) {
                refused.addAll(g.out());
            } else {
                ready.addAll(g.out());
            }
        }
        return ready;
    }

    /** A new connection: what was held for another one is dropped (its resume resends what is in flight). */
    void dropOthers(SessionConnection to) {
        groups.removeIf(g -> g.to() != to);
    }

    void clear() {
        groups.clear();
    }
}
