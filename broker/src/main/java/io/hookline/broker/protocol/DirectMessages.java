package io.hookline.broker.protocol;

import io.hookline.broker.routing.Delivery;
import io.hookline.broker.routing.Message;
import io.hookline.broker.routing.ReadGate;
import io.hookline.broker.session.Session;
import io.hookline.broker.session.SessionRegistry;
import io.hookline.broker.util.StoreBatch;
import java.util.List;

/**
 * Direct messages: a PUBLISH handed to one client's session without it subscribing. MQTT clients
 * send one by publishing to {@code $direct/<client id>/<topic>}; the receiver gets a PUBLISH on
 * {@code <topic>}, behind the sender's mountpoint. The whole {@code $direct/...} topic is what
 * {@code auth_on_publish} (and so the ACL) sees, so rules decide who may write to whom; anonymous
 * senders are refused before the chain unless {@code direct_messages.allow_anonymous = on}.
 * Thread-safe: the flag is volatile, the rest stateless.
 */
public final class DirectMessages {
    /** The reserved topic prefix. */
    public static final String PREFIX = "$direct/";

    /** Where a {@code $direct/...} topic points: the receiving client id and the topic it sees. */
    public record Target(String clientId, String topic) {}

    private final SessionRegistry sessions;
    private final ReadGate readGate;
    private volatile boolean allowAnonymous;

    DirectMessages(SessionRegistry sessions, ReadGate readGate) {
        this.sessions = sessions;
        this.readGate = readGate;
    }

    /** Set once from {@code direct_messages.allow_anonymous} before listeners start. */
    public void allowAnonymous(boolean allow) {
        this.allowAnonymous = allow;
    }

    public boolean allowsAnonymous() {
        return allowAnonymous;
    }

    /** @return true for a topic under the reserved prefix (well-formed or not) */
    public static boolean isDirect(String topic) {
        return topic.startsWith(PREFIX);
    }

    /**
     * @return the target of {@code $direct/<client id>/<topic>}, or null when the topic lacks a
     *         client id or a topic after it
     */
    public static Target parse(String topic) {
        if (!isDirect(topic)) {
            return null;
        }
        int slash = topic.indexOf('/', PREFIX.length());
        if (slash <= PREFIX.length() || slash == topic.length() - 1) {
            return null;
        }
        return new Target(topic.substring(PREFIX.length(), slash), topic.substring(slash + 1));
    }

    /** The reserved topic that addresses {@code topic} to {@code clientId}. */
    public static String topicFor(String clientId, String topic) {
        return PREFIX + clientId + "/" + topic;
    }

    /**
     * Hands {@code message} (its topic already the receiver's, mounted) to the session of
     * {@code clientId} behind {@code mountpoint}: sent when online, queued like any message when
     * offline (staged in {@code batch} for a durable session, like any queued message; the caller
     * commits it). Never retained. A receiver whose read checks refuse the topic does not get it
     * (dropped silently, like a routed message).
     *
     * @return the session it went to, or null when there is no such session
     */
    public Session send(String mountpoint, String clientId, Message message, StoreBatch batch) {
        Session session = sessions.get(mountpoint, clientId);
        if (session == null) {
            return null;
        }
        Message m = message.withRetain(false);
        if (readGate.admits(session, m)) {
            session.offer(new Delivery(m, m.qos(), false, List.of()), batch);
        }
        return session;
    }
}
