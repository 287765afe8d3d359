package io.hookline.broker.session;

import io.hookline.broker.config.ProtocolSettings;
import io.hookline.broker.metrics.BrokerMetrics;
import io.hookline.broker.metrics.BrokerMetrics.Counter;
import io.hookline.broker.routing.FlowControl;
import io.hookline.broker.routing.Message;
import io.hookline.broker.routing.Recipient;
import io.hookline.broker.routing.RecipientDirectory;
import io.hookline.broker.routing.SubscriberId;
import io.hookline.broker.routing.Subscription;
import io.hookline.broker.routing.SubscriptionIndex;
import io.hookline.broker.session.SessionEvents.Kind;
import io.hookline.broker.store.Stores;
import io.hookline.broker.util.Scheduler;
import io.hookline.broker.util.StoreBatch;
import java.time.Clock;
import java.util.Collection;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Every session by subscriber id (mountpoint and client id, as in VerneMQ: the same client id
 * behind two mountpoints is two sessions): attach on CONNECT (new, resumed or taken over),
 * detach on close with will and expiry handling, and lookup for the router.
 *
 * <p>Thread-safety: the map is concurrent; attach/detach/expire for one client id run inside
 * the map's per-key compute, so two CONNECTs with the same client id are serialized. Lock
 * order: map bin, then session monitor, then the subscription index. Session events raised
 * inside a compute are fired after it returns ({@link Session#fireEvents}): no hook handler
 * runs under a bin lock or a session monitor.
 *
 * <p>Storage and time are injected: the {@link Stores} (a persistent session's record is
 * written on attach, detach and will; everything it holds is removed when it ends, in one
 * batch), a {@link Clock} for the wall-clock instants stored, and a {@link Scheduler} for the
 * will and expiry timers. Store writes here are only staged under the bin lock (staging never
 * blocks); their batch commits after the compute returns. Only the CONNACK waits on one (the
 * record {@link #attach} writes, {@link Attached#stored()}); nobody waits on the others.
 */
public final class SessionRegistry implements RecipientDirectory {

    /**
     * What a CONNECT got: the session, whether state was resumed, the connection it displaced,
     * and the commit of what attaching wrote ({@link StoreBatch#DONE} when nothing was written:
     * clean sessions, memory stores), which the CONNACK waits on.
     */
    public record Attached(
            Session session, boolean sessionPresent, SessionConnection displaced, CompletionStage<Void> stored) {}

    private final ConcurrentHashMap<SubscriberId, Session> sessions = new ConcurrentHashMap<>();
    private final SubscriptionIndex index;
    private final Supplier<ProtocolSettings> settings;
    private final BrokerMetrics metrics;
    private final Stores stores;
    private final Clock clock;
    private final Scheduler scheduler;
    private final Consumer<Message> willPublisher;
    private volatile SessionEvents events = SessionEvents.NONE;
    private volatile SessionHandover handover = SessionHandover.NONE;
    private final FlowControl flow = new FlowControl();

    public SessionRegistry(
            SubscriptionIndex index,
            Supplier<ProtocolSettings> settings,
            BrokerMetrics metrics,
            Stores stores,
            Clock clock,
            Scheduler scheduler,
            Consumer<Message> willPublisher) {
        this.index = index;
        this.settings = settings;
        this.metrics = metrics;
        this.stores = stores;
        this.clock = clock;
        this.scheduler = scheduler;
        this.willPublisher = willPublisher;
    }

    Stores stores() {
        return stores;
    }

    /** The wall clock session records are stamped with. */
    public Clock clock() {
        return clock;
    }

    Scheduler scheduler() {
        return scheduler;
    }

    SubscriptionIndex index() {
        return index;
    }

    ProtocolSettings settings() {
        return settings.get();
    }

    BrokerMetrics metrics() {
        return metrics;
    }

    SessionEvents events() {
        return events;
    }

    /** Who waits on which congested session (back-pressure). */
    public FlowControl flow() {
        return flow;
    }

    public void setEvents(SessionEvents events) {
        this.events = events;
    }

    /** What a CONNECT asks before it attaches: whether its session lives on another node (cluster). */
    public SessionHandover handover() {
        return handover;
    }

    public void setHandover(SessionHandover handover) {
        this.handover = handover;
    }

    // SessionTransfer: sessions moving between nodes
    ConcurrentHashMap<SubscriberId, Session> map() {
        return sessions;
    }

    /** @param subscriber a subscription's owner */
    @Override
    public Recipient find(SubscriberId subscriber) {
        return sessions.get(subscriber);
    }

    /** The session {@code id}, or null. */
    public Session get(SubscriberId id) {
        return sessions.get(id);
    }

    /** The session of {@code clientId} behind {@code mountpoint} ("" or null for none), or null. */
    public Session get(String mountpoint, String clientId) {
        return sessions.get(SubscriberId.of(mountpoint, clientId));
    }

    /** The session of {@code clientId} on a listener without a mountpoint, or null. */
    public Session get(String clientId) {
        return sessions.get(SubscriberId.of(clientId));
    }

    public Collection<Session> all() {
        return sessions.values();
    }

    public int size() {
        return sessions.size();
    }

    /**
     * Attaches {@code connection} to the session {@code terms.id()}: a fresh one when the terms
     * start clean or none exists (an old one is ended), else the existing one resumed. A
     * persistent session's record is written (with the connection's will, so that a crash
     * still sends it after a restart); {@link Attached#stored()} completes once it is stored.
     * The displaced connection, if any, must be taken over by the caller.
     */
    public Attached attach(SessionTerms terms, SessionConnection connection) {
        Attached[] result = new Attached[1];
        Will[] endedWill = new Will[1];
        Session[] ended = new Session[1];
        StoreBatch batch = stores.batch();
        SubscriberId id = terms.id();
        sessions.compute(id, (key, existing) -> {
            Session session = existing;
            SessionConnection displaced = null;
            boolean present = false;
            if (existing != null) {
                displaced = existing.connection();
                existing.cancelPendingWill(); // a new connection before the will delay: no will
                // a session that ends with its connection (clean session, expiry 0) is nothing to
                // resume, even while that connection is still attached or just closing
                if (terms.cleanStart() || existing.expirySeconds() == 0) {
                    endedWill[0] = end(existing, batch);
                    ended[0] = existing;
                    session = null;
                } else {
                    present = true;
                }
            }
            if (session == null) {
                session = new Session(id, this, stores.queues().open(id, terms.persistent()));
            }
            boolean wasPersistent = present && session.isPersistent();
            SessionConnection previous = session.attach(connection, terms);
            if (terms.persistent()) {
                stores.sessions().put(session.record(0, terms.will()), batch);
                if (present && !wasPersistent) { // resumed with an expiry after 0: what it has is stored from now
                    for (Subscription s : session.subscriptions()) {
                        stores.subscriptions().put(id, s, batch);
                    }
                }
            } else if (wasPersistent) {
                forget(id, batch); // resumed with expiry 0: it ends with this connection, nothing of it stays stored
            }
            if (previous != null) {
                displaced = previous;
            }
            result[0] = new Attached(session, present, displaced, StoreBatch.DONE);
            return session;
        });
        CompletionStage<Void> stored = batch.commit();
        if (stored != StoreBatch.DONE) { // memory stores and clean sessions: nothing more made
            Attached a = result[0];
            result[0] = new Attached(a.session(), a.sessionPresent(), a.displaced(), stored);
        }
        if (ended[0] != null) {
            ended[0].fireEvents();
        }
        if (endedWill[0] != null) {
            publishWill(endedWill[0]);
        }
        if (result[0].displaced() != null) {
            metrics.count(Counter.SESSION_TAKEOVERS);
        }
        return result[0];
    }

    /**
     * The connection closed. {@code will} is the will still to be honoured (null after a normal
     * DISCONNECT or when there is none). Ends the session when its expiry is 0, else keeps it
     * and schedules its expiry; publishes the will now, or after its delay, or when the session
     * ends first.
     */
    public void detach(Session session, SessionConnection connection, Will will) {
        boolean[] ended = new boolean[1];
        Will[] toPublish = new Will[1];
        StoreBatch batch = stores.batch();
        sessions.computeIfPresent(session.id(), (key, current) -> {
            if (current != session || !session.detach(connection)) {
                // taken over: the session lives on with another connection; a will without delay still goes out
                if (will != null && will.delaySeconds() == 0) {
                    toPublish[0] = will;
                }
                return current;
            }
            long expiry = session.expirySeconds();
            if (expiry == 0) {
                end(session, batch);
                ended[0] = true;
                toPublish[0] = will;
                return null;
            }
            session.trimToOfflineLimit(batch);
            Will pending = null;
            if (will != null) {
                if (will.delaySeconds() == 0) {
                    toPublish[0] = will;
                } else {
                    pending = will;
                    long delay = expiry < 0 ? will.delaySeconds() : Math.min(will.delaySeconds(), expiry);
                    session.setPendingWill(
                            will, scheduler.schedule(() -> fireWill(session, will), delay, TimeUnit.SECONDS));
                }
            }
            if (expiry > 0) {
                session.setExpiryTimer(scheduler.schedule(() -> expire(session), expiry, TimeUnit.SECONDS));
            }
            stores.sessions().put(session.record(session.disconnectedAtMillis(), pending), batch);
            return current;
        });
        batch.commit();
        session.fireEvents(); // drops of the trimmed queue, or the ended session's topics
        if (toPublish[0] != null) {
            publishWill(toPublish[0]);
        }
        if (ended[0]) {
            session.raise(Kind.CLIENT_GONE, e -> e.clientGone(session));
        } else if (!session.isOnline() && sessions.get(session.id()) == session) {
            session.raise(Kind.CLIENT_OFFLINE, e -> e.clientOffline(session));
        }
    }

    void fireWill(Session session, Will will) {
        if (session.takePendingWill(will)) {
            StoreBatch batch = stores.batch();
            sessions.computeIfPresent(session.id(), (key, current) -> {
                if (current == session && !session.isOnline() && session.isPersistent()) {
                    stores.sessions().put(session.record(session.disconnectedAtMillis(), null), batch);
                }
                return current;
            });
            batch.commit();
            publishWill(will);
        }
    }

    // under the session's bin lock: ends it and removes what it stored (in batch); its queue
    // empties itself (Session.end)
    Will end(Session session, StoreBatch batch) {
        boolean persistent = session.isPersistent();
        Will will = session.end(batch);
        if (persistent) {
            forget(session.id(), batch);
        }
        return will;
    }

    // everything stored of a session but its queue
    private void forget(SubscriberId id, StoreBatch batch) {
        stores.sessions().remove(id, batch);
        stores.subscriptions().removeAll(id, batch);
        stores.inflight().removeAll(id, batch);
        stores.inbound().removeAll(id, batch);
    }

    void publishWill(Will will) {
        metrics.count(Counter.WILLS_PUBLISHED);
        willPublisher.accept(will.message());
    }

    void expire(Session session) {
        Will[] will = new Will[1];
        boolean[] removed = new boolean[1];
        StoreBatch batch = stores.batch();
        sessions.computeIfPresent(session.id(), (key, current) -> {
            if (current != session || session.isOnline()) {
                return current;
            }
            will[0] = end(session, batch);
            removed[0] = true;
            return null;
        });
        batch.commit();
        if (removed[0]) {
            session.fireEvents();
            metrics.limitHit(
                    Counter.SESSIONS_EXPIRED,
                    "client '" + session.id() + "'",
                    "offline session expired (persistent_client_expiration / session expiry interval)");
            if (will[0] != null) {
                publishWill(will[0]);
            }
            session.raise(Kind.SESSION_EXPIRED, e -> e.sessionExpired(session));
        }
    }

    /**
     * Rebuilds the registry and the subscription index from the stores ({@link Recovery}):
     * persistent sessions come back offline, their will and expiry timers are set from the
     * wall-clock instants stored. Call once, before any listener opens.
     */
    public Recovery.Result recover() {
        return new Recovery(this).run();
    }

    // recovery: a stored session is back
    void restore(Session session) {
        sessions.put(session.id(), session);
    }

    /**
     * The client connected to another node of the cluster: closes its connection here as a
     * takeover does (v5: DISCONNECT 0x8E). Any thread; true when it was connected here.
     */
    public boolean takenOverElsewhere(SubscriberId id) {
        Session session = sessions.get(id);
        SessionConnection c = session == null ? null : session.connection();
        if (c == null) {
            return false;
        }
        c.takeOver();
        return true;
    }

    /** Raises on_client_wakeup: a session, new or resumed, got its connection (after CONNACK and on_register). */
    public void wakeup(Session session) {
        session.raise(Kind.CLIENT_WAKEUP, e -> e.clientWakeup(session));
    }

    /** Raises on_topic_unsubscribed for filters a client removed. */
    public void topicsUnsubscribed(Session session, java.util.List<String> filters) {
        session.raise(Kind.TOPICS_UNSUBSCRIBED, e -> e.topicsUnsubscribed(session, filters, false));
    }

    /** Removes a session (admin disconnect --cleanup, shutdown of clean sessions). */
    public boolean remove(String mountpoint, String clientId) {
        Session[] removed = new Session[1];
        StoreBatch batch = stores.batch();
        sessions.computeIfPresent(SubscriberId.of(mountpoint, clientId), (key, current) -> {
            end(current, batch);
            removed[0] = current;
            return null;
        });
        batch.commit();
        if (removed[0] != null) {
            Session gone = removed[0];
            gone.fireEvents();
            gone.raise(Kind.CLIENT_GONE, e -> e.clientGone(gone));
            return true;
        }
        return false;
    }
}
