package io.hookline.broker.cluster;

import io.hookline.broker.routing.Message;
import io.hookline.broker.session.Session;
import io.hookline.broker.session.SessionEvents;
import java.util.List;

/**
 * The session events of a clustered broker: the client-id registry hears of clients coming and
 * going, everything goes on to {@code next} (the hooks) as before. Threading as {@link SessionEvents}.
 */
final class ClusterSessionEvents implements SessionEvents {

    private final SessionEvents next;
    private final ClusterNode node;

    ClusterSessionEvents(SessionEvents next, ClusterNode node) {
        this.next = next;
        this.node = node;
    }

    @Override
    public boolean wants(Kind kind) {
        return kind == Kind.CLIENT_WAKEUP
                || kind == Kind.CLIENT_OFFLINE
                || kind == Kind.CLIENT_GONE
                || kind == Kind.SESSION_EXPIRED
                || next.wants(kind);
    }

    @Override
    public void clientWakeup(Session session) {
        ClientRegistry clients = node.clients();
        if (clients != null) {
            clients.connected(session.id());
        }
        SessionMigration migration = node.migration();
        if (migration != null && session.expirySeconds() != 0) {
            migration.claim(session.id());
        }
        if (next.wants(Kind.CLIENT_WAKEUP)) {
            next.clientWakeup(session);
        }
    }

    @Override
    public void clientOffline(Session session) {
        gone(session);
        if (next.wants(Kind.CLIENT_OFFLINE)) {
            next.clientOffline(session);
        }
    }

    @Override
    public void clientGone(Session session) {
        gone(session);
        ended(session);
        if (next.wants(Kind.CLIENT_GONE)) {
            next.clientGone(session);
        }
    }

    private void gone(Session session) {
        ClientRegistry clients = node.clients();
        if (clients != null) {
            clients.disconnected(session.id());
        }
    }

    private void ended(Session session) {
        SessionMigration migration = node.migration();
        if (migration != null) {
            migration.release(session.id());
        }
    }

    @Override
    public void offlineMessage(Session session, Message message) {
        next.offlineMessage(session, message);
    }

    @Override
    public void messageDropped(Session session, Message message, DropReason reason) {
        next.messageDropped(session, message, reason);
    }

    @Override
    public void sessionExpired(Session session) {
        ended(session);
        if (next.wants(Kind.SESSION_EXPIRED)) {
            next.sessionExpired(session);
        }
    }

    @Override
    public void topicsUnsubscribed(Session session, List<String> filters, boolean all) {
        next.topicsUnsubscribed(session, filters, all);
    }
}
