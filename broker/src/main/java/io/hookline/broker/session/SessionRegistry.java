package io.hookline.broker.session;

import io.hookline.broker.metrics.BrokerMetrics;
import io.hookline.broker.metrics.BrokerMetrics.Counter;
import io.hookline.broker.config.ProtocolSettings;
import io.hookline.broker.routing.Message;
import io.hookline.broker.routing.Recipient;
import io.hookline.broker.routing.RecipientDirectory;
import io.hookline.broker.routing.SubscriptionIndex;
import io.hookline.broker.session.SessionEvents.Kind;

import java.util.Collection;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
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
 */
public final class SessionRegistry implements RecipientDirectory {

    /** What a CONNECT got: the session, whether state was resumed, and the connection it displaced. */
    public record Attached(Session session, boolean sessionPresent, SessionConnection displaced) {
    }

    private final ConcurrentHashMap<String, Session> sessions = new ConcurrentHashMap<>();
    private final SubscriptionIndex index;
    private final Supplier<ProtocolSettings> settings;
    private final BrokerMetrics metrics;
    private final ScheduledExecutorService timer;
    private final Consumer<Message> willPublisher;
    private volatile SessionEvents events = SessionEvents.NONE;
    private final FlowControl flow = new FlowControl();

    public SessionRegistry(SubscriptionIndex index, Supplier<ProtocolSettings> settings, BrokerMetrics metrics,
                           ScheduledExecutorService timer, Consumer<Message> willPublisher) {
        this.index = index;
        this.settings = settings;
        this.metrics = metrics;
        this.timer = timer;
        this.willPublisher = willPublisher;
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

    /**
     * The subscriber id of a session: the client id alone without a mountpoint, else the
     * mountpoint, U+0000 and the client id (a client id never holds U+0000: CONNECT refuses it).
     * Subscriptions and messages' sender ids carry it; hook inputs and admin output never do.
     */
    public static String key(String mountpoint, String clientId) {
        return mountpoint == null || mountpoint.isEmpty() ? clientId : mountpoint + '\u0000' + clientId;
    }

    /** @param key a session's {@link Session#key} (a subscription's owner) */
    @Override
    public Recipient find(String key) {
        return sessions.get(key);
    }

    /** The session of {@code clientId} behind {@code mountpoint} ("" or null for none), or null. */
    public Session get(String mountpoint, String clientId) {
        return sessions.get(key(mountpoint, clientId));
    }

    /** The session of {@code clientId} on a listener without a mountpoint, or null. */
    public Session get(String clientId) {
        return sessions.get(clientId);
    }

    public Collection<Session> all() {
        return sessions.values();
    }

    public int size() {
        return sessions.size();
    }

    /**
     * Attaches {@code connection} to the session of {@code clientId} behind {@code mountpoint}:
     * a fresh one when {@code cleanStart} or none exists (an old one is ended), else the existing
     * one resumed.
     * The displaced connection, if any, must be taken over by the caller.
     */
    public Attached attach(String clientId, boolean cleanStart, SessionConnection connection,
                           int protocolVersion, long expirySeconds, String username, String mountpoint) {
        Attached[] result = new Attached[1];
        Will[] endedWill = new Will[1];
        Session[] ended = new Session[1];
        sessions.compute(key(mountpoint, clientId), (key, existing) -> {
            Session session = existing;
            SessionConnection displaced = null;
            boolean present = false;
            if (existing != null) {
                displaced = existing.connection();
                existing.cancelPendingWill();  // a new connection before the will delay: no will
                // a session that ends with its connection (clean session, expiry 0) is nothing to
                // resume, even while that connection is still attached or just closing
                if (cleanStart || existing.expirySeconds() == 0) {
                    endedWill[0] = existing.end();
                    ended[0] = existing;
                    session = null;
                } else {
                    present = true;
                }
            }
            if (session == null) {
                session = new Session(clientId, mountpoint, this);
            }
            SessionConnection previous = session.attach(connection, protocolVersion, expirySeconds);
            session.identity(username);
            if (previous != null) {
                displaced = previous;
            }
            result[0] = new Attached(session, present, displaced);
            return session;
        });
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
        sessions.computeIfPresent(session.key(), (key, current) -> {
            if (current != session || !session.detach(connection)) {
                // taken over: the session lives on with another connection; a will without delay still goes out
                if (will != null && will.delaySeconds() == 0) {
                    toPublish[0] = will;
                }
                return current;
            }
            long expiry = session.expirySeconds();
            if (expiry == 0) {
                session.end();
                ended[0] = true;
                toPublish[0] = will;
                return null;
            }
            session.trimToOfflineLimit();
            if (will != null) {
                if (will.delaySeconds() == 0) {
                    toPublish[0] = will;
                } else {
                    long delay = expiry < 0 ? will.delaySeconds() : Math.min(will.delaySeconds(), expiry);
                    ScheduledFuture<?> t = timer.schedule(() -> fireWill(session, will), delay, TimeUnit.SECONDS);
                    session.setPendingWill(will, t);
                }
            }
            if (expiry > 0) {
                session.setExpiryTimer(timer.schedule(() -> expire(session), expiry, TimeUnit.SECONDS));
            }
            return current;
        });
        session.fireEvents();   // drops of the trimmed queue, or the ended session's topics
        if (toPublish[0] != null) {
            publishWill(toPublish[0]);
        }
        if (ended[0]) {
            session.raise(Kind.CLIENT_GONE, e -> e.clientGone(session));
        } else if (!session.isOnline() && sessions.get(session.key()) == session) {
            session.raise(Kind.CLIENT_OFFLINE, e -> e.clientOffline(session));
        }
    }

    private void fireWill(Session session, Will will) {
        if (session.takePendingWill(will)) {
            publishWill(will);
        }
    }

    private void publishWill(Will will) {
        metrics.count(Counter.WILLS_PUBLISHED);
        willPublisher.accept(will.message());
    }

    private void expire(Session session) {
        Will[] will = new Will[1];
        boolean[] removed = new boolean[1];
        sessions.computeIfPresent(session.key(), (key, current) -> {
            if (current != session || session.isOnline()) {
                return current;
            }
            will[0] = session.end();
            removed[0] = true;
            return null;
        });
        if (removed[0]) {
            session.fireEvents();
            metrics.count(Counter.SESSIONS_EXPIRED);
            if (will[0] != null) {
                publishWill(will[0]);
            }
            session.raise(Kind.SESSION_EXPIRED, e -> e.sessionExpired(session));
        }
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
        sessions.computeIfPresent(key(mountpoint, clientId), (key, current) -> {
            current.end();
            removed[0] = current;
            return null;
        });
        if (removed[0] != null) {
            Session gone = removed[0];
            gone.fireEvents();
            gone.raise(Kind.CLIENT_GONE, e -> e.clientGone(gone));
            return true;
        }
        return false;
    }
}
