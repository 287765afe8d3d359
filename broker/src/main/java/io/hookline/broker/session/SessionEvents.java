package io.hookline.broker.session;

import io.hookline.broker.routing.Message;
import java.util.List;

/**
 * Lifecycle events of sessions, raised by the core where the NOTIFY hooks of docs/hooks.md belong
 * (on_offline_message, on_message_drop, on_client_wakeup, on_client_offline, on_client_gone,
 * on_session_expired, on_topic_unsubscribed). The hook engine implements this; the default does
 * nothing.
 *
 * <p>Called on arbitrary threads, but never while a session's monitor or a registry lock is
 * held: the session collects events under its monitor and fires them after releasing it, one
 * firer at a time, in the order they were raised ({@link Session#fireEvents}). So a handler may
 * publish, look up or disconnect clients; it must still not block (non-blocking handlers run
 * on the thread that raised the event, often an event loop). The session is passed for its
 * identity (client id, user name, mountpoint, protocol version); it may have ended already.
 */
public interface SessionEvents {

    SessionEvents NONE = new SessionEvents() {
        @Override
        public boolean wants(Kind kind) {
            return false;
        }
    };

    /** The events, to ask {@link #wants} before one is built and kept. */
    enum Kind {
        OFFLINE_MESSAGE,
        MESSAGE_DROPPED,
        CLIENT_WAKEUP,
        CLIENT_OFFLINE,
        CLIENT_GONE,
        SESSION_EXPIRED,
        TOPICS_UNSUBSCRIBED
    }

    /**
     * Whether anyone listens to {@code kind}: when not, the session neither allocates nor keeps
     * the event (the hot path of a broker without session hooks). Must be cheap and not block.
     */
    default boolean wants(Kind kind) {
        return true;
    }

    /** Why a message was dropped: the on_message_drop reasons. */
    enum DropReason {
        EXPIRED("expired"),
        QUEUE_FULL("queue_full"),
        MAX_PACKET_SIZE_EXCEEDED("max_packet_size_exceeded");

        public final String wireName;

        DropReason(String wireName) {
            this.wireName = wireName;
        }
    }

    default void offlineMessage(Session session, Message message) {}

    default void messageDropped(Session session, Message message, DropReason reason) {}

    default void clientWakeup(Session session) {}

    default void clientOffline(Session session) {}

    default void clientGone(Session session) {}

    default void sessionExpired(Session session) {}

    /** The filters are removed; {@code all} when the session ended and took every subscription with it. */
    default void topicsUnsubscribed(Session session, List<String> filters, boolean all) {}
}
