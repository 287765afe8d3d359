package io.hookline.broker.protocol;

import io.hookline.broker.routing.Delivery;
import io.hookline.broker.routing.Message;
import io.hookline.broker.routing.ReadGate;
import io.hookline.broker.routing.RemoteClients;
import io.hookline.broker.routing.SubscriberId;
import io.hookline.broker.session.Session;
import io.hookline.broker.session.SessionRegistry;
import io.hookline.broker.util.StoreBatch;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

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
    private RemoteClients remote; // null on a single broker; set once before listeners start

    DirectMessages(SessionRegistry sessions, ReadGate readGate) {
        this.sessions = sessions;
        this.readGate = readGate;
    }

    /** Set once from {@code direct_messages.allow_anonymous} before listeners start. */
    public void allowAnonymous(boolean allow) {
        this.allowAnonymous = allow;
    }

    /** In a cluster: where a direct message for a client with no session here goes. Set once before listeners start. */
    public void remote(RemoteClients clients) {
        this.remote = clients;
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

    /**
     * An MQTT client's direct message: to the session here ({@link #send}), else, in a cluster, to
     * the node the client is connected on (looked up and sent later, at most once).
     *
     * @return 1 when a session here took it or it went to the cluster's lookup, 0 when no session
     *         of that id exists (on a single broker)
     */
    public int route(String mountpoint, String clientId, Message message, StoreBatch batch) {
        if (send(mountpoint, clientId, message, batch) != null) {
            return 1;
        }
        RemoteClients r = remote;
        if (r == null) {
            return 0;
        }
        r.send(SubscriberId.of(mountpoint, clientId), message.withRetain(false), batch);
        return 1;
    }

    /**
     * For a client with no session here: sends {@code message} to the node it is connected on
     * (cluster); completes with true when it went there, false when it is connected nowhere else
     * (or on a single broker). A QoS 1/2 message's {@code batch} (committed by the caller) waits
     * for that node to store it.
     */
    public CompletionStage<Boolean> sendElsewhere(
            String mountpoint, String clientId, Message message, StoreBatch batch) {
        RemoteClients r = remote;
        return r == null
                ? CompletableFuture.completedFuture(false)
                : r.send(SubscriberId.of(mountpoint, clientId), message.withRetain(false), batch);
    }
}
