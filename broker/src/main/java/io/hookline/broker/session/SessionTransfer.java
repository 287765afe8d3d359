package io.hookline.broker.session;

import io.hookline.broker.routing.Delivery;
import io.hookline.broker.routing.SubscriberId;
import io.hookline.broker.routing.Subscription;
import io.hookline.broker.store.InflightRecord;
import io.hookline.broker.store.MessageQueue;
import io.hookline.broker.store.SessionRecord;
import io.hookline.broker.store.Stores;
import io.hookline.broker.util.StoreBatch;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * Moves persistent sessions out of and into a {@link SessionRegistry}, for the cluster's session
 * migration (docs/cluster.md). The node the session leaves: {@link #beginExport} (takes its
 * connection off, snapshots it; the session stays and goes on queueing), {@link #page} (its
 * queue, page by page) and {@link #finishExport} (once the other node stored it: the rest of the
 * queue, and the session ends here, its stored copy deleted). The node it comes to:
 * {@link #openQueue}, {@link #addPage}, {@link #adopt} (it joins the registry offline, as a
 * recovered session does, and is stored) and {@link #append}.
 *
 * <p>Threading: any thread but an event loop (pages may read the disk); the registry's per-id
 * compute serializes these with CONNECTs of the same client id.
 */
public final class SessionTransfer {

    /** A session on its way out: the session here and what the other node gets first. */
    public record Export(Session session, SessionSnapshot snapshot) {}

    private final SessionRegistry registry;
    private final Stores stores;

    public SessionTransfer(SessionRegistry registry) {
        this.registry = registry;
        this.stores = registry.stores();
    }

    /**
     * The persistent session {@code id} starts moving away: its connection, if any, is taken
     * over (v5: DISCONNECT 0x8E); null when there is no persistent session of that id here.
     */
    public Export beginExport(SubscriberId id) {
        Export[] out = new Export[1];
        SessionConnection[] displaced = new SessionConnection[1];
        registry.map().computeIfPresent(id, (key, s) -> {
            if (!s.isPersistent() || s.isEnded()) {
                return s;
            }
            displaced[0] = s.detachForMove();
            if (displaced[0] != null) {
                // it stays here, offline, if the move fails: with its expiry as after any disconnect
                long expiry = s.expirySeconds();
                if (expiry > 0) {
                    s.setExpiryTimer(registry.scheduler().schedule(() -> registry.expire(s), expiry, TimeUnit.SECONDS));
                }
            }
            SessionRecord record = s.record(s.disconnectedAtMillis(), s.pendingWill());
            out[0] = new Export(
                    s, new SessionSnapshot(record, s.subscriptions(), s.inflightRecords(), s.awaitingReleaseIds()));
            return s;
        });
        if (displaced[0] != null) {
            displaced[0].takeOver();
        }
        return out[0];
    }

    /** Up to {@code max} queued deliveries of a session moving out, from {@code from} on; returns where the next page starts. */
    public long page(Session session, long from, int max, List<Delivery> out) {
        return session.copyQueue(from, max, out);
    }

    /**
     * The other node stored the session: what was queued from {@code from} on since (the tail)
     * is returned for it, and the session ends here without a will, its stored copy deleted.
     * Null when the session is not the one exported any more (a client took it back here).
     */
    public List<Delivery> finishExport(Session session, long from) {
        List<Delivery> tail = new ArrayList<>();
        boolean[] done = new boolean[1];
        StoreBatch batch = stores.batch();
        registry.map().computeIfPresent(session.id(), (key, current) -> {
            if (current != session || session.isOnline()) {
                return current;
            }
            // under the session's monitor: nothing routed to it lands between the copy and the end
            synchronized (session) {
                long position = from;
                int before;
                do { // a durable queue gives one disk read per call
                    before = tail.size();
                    position = session.copyQueue(position, Integer.MAX_VALUE, tail);
                } while (tail.size() > before);
                registry.end(session, batch); // its subscriptions leave the index: the routes go
            }
            done[0] = true;
            return null;
        });
        batch.commit();
        return done[0] ? tail : null;
    }

    /** The queue a session coming here fills page by page; a local copy of it, stale, is dropped first. */
    public MessageQueue openQueue(SubscriberId id) {
        registry.remove(id.mountpoint(), id.clientId());
        return stores.queues().open(id, true);
    }

    /** Appends a page to a queue from {@link #openQueue}; completes once it is stored. */
    public CompletionStage<Void> addPage(MessageQueue queue, List<Delivery> page) {
        StoreBatch batch = stores.batch();
        synchronized (queue) { // not in a session yet: nothing else touches it
            for (Delivery d : page) {
                queue.add(d, batch);
            }
        }
        return batch.commit();
    }

    /** The move failed: what was stored of the queue goes. */
    public void discard(MessageQueue queue) {
        StoreBatch batch = stores.batch();
        synchronized (queue) {
            queue.clear(batch);
        }
        batch.commit();
    }

    /**
     * The session joins the registry, offline, with {@code queue} (every page stored), its
     * subscriptions in the index (the routes follow), its in-flight messages and inbound QoS 2
     * ids, its expiry and pending will timers; everything is stored in one batch, whose commit
     * is returned. Null when a session of that id appeared here meanwhile (the move is off).
     */
    public CompletionStage<Void> adopt(SessionSnapshot snapshot, MessageQueue queue) {
        SessionRecord r = snapshot.record();
        SubscriberId id = r.id();
        long now = registry.clock().millis();
        StoreBatch batch = stores.batch();
        Session[] made = new Session[1];
        registry.map().compute(id, (key, existing) -> {
            if (existing != null) {
                return existing;
            }
            long disconnectedAt = r.isConnected() ? now : r.disconnectedAtMillis();
            Session s = new Session(id, registry, queue);
            s.restore(r, disconnectedAt);
            stores.sessions()
                    .put(
                            s.record(
                                    disconnectedAt, r.will() == null ? null : new Will(r.will(), r.willDelaySeconds())),
                            batch);
            for (Subscription sub : snapshot.subscriptions()) {
                s.restore(sub);
                stores.subscriptions().put(id, sub, batch);
            }
            for (InflightRecord f : snapshot.inflight()) {
                s.restore(f);
                stores.inflight().sent(id, f.packetId(), f.delivery(), batch);
                if (f.released()) {
                    stores.inflight().released(id, f.packetId(), batch);
                }
            }
            for (int packetId : snapshot.awaitingRelease()) {
                s.restoreAwaitingRelease(packetId);
                stores.inbound().add(id, packetId, batch);
            }
            if (r.will() != null) {
                Will w = new Will(r.will(), r.willDelaySeconds());
                long due = r.willDueAtMillis(disconnectedAt);
                s.setPendingWill(
                        w,
                        registry.scheduler()
                                .schedule(
                                        () -> registry.fireWill(s, w), Math.max(0, due - now), TimeUnit.MILLISECONDS));
            }
            long expiresAt = r.expiresAtMillis(disconnectedAt);
            if (expiresAt != Long.MAX_VALUE) {
                s.setExpiryTimer(registry.scheduler()
                        .schedule(() -> registry.expire(s), Math.max(0, expiresAt - now), TimeUnit.MILLISECONDS));
            }
            made[0] = s;
            return s;
        });
        if (made[0] == null) {
            return null;
        }
        return batch.commit();
    }

    /** Messages queued on the old node during the move: to the end of the session's queue (or to its client). */
    public CompletionStage<Void> append(SubscriberId id, List<Delivery> tail) {
        Session s = registry.get(id);
        StoreBatch batch = stores.batch();
        if (s != null) {
            for (Delivery d : tail) {
                s.offer(d, batch);
            }
        }
        CompletionStage<Void> stored = batch.commit();
        if (s != null) {
            s.fireEvents();
        }
        return stored;
    }

    /** The session {@code id} is dropped here (a clean start elsewhere, or a move that failed after adopt). */
    public void drop(SubscriberId id) {
        registry.remove(id.mountpoint(), id.clientId());
    }
}
