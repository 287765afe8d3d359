package io.hookline.broker.protocol;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.hookline.api.mqtt.TopicSubscription;
import io.hookline.broker.routing.Message;
import io.hookline.broker.routing.Messages;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.function.ToIntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What happens to clients, told twice: at INFO in the log ({@code io.hookline.broker.clients}:
 * connects, disconnects with their reason, refused CONNECTs) and, for the kinds switched on with
 * {@code events.enabled}, as a JSON message on {@code $SYS/events/<kind>/<client id>} (QoS 0,
 * not retained; {@code +} and {@code #} in a client id become {@code _}). Subscribers read them
 * like any {@code $SYS} topic, so the ACL decides who may. Thread-safe: the set of kinds is an
 * immutable snapshot behind a volatile; called on the clients' event loops.
 */
public final class ClientEvents {
    static final Logger LOG = LoggerFactory.getLogger("io.hookline.broker.clients");
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The topic root of every event. */
    public static final String ROOT = "$SYS/events/";

    /** The kinds of event, by their word in {@code events.enabled} and in the topic. */
    public enum Kind {
        CONNECTED,
        DISCONNECTED,
        SUBSCRIBED,
        UNSUBSCRIBED,
        SESSION_TAKEN_OVER,
        AUTH_FAILED;

        public String word() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** Every word, for the config key's check and documentation. */
        public static String[] words() {
            return java.util.Arrays.stream(values()).map(Kind::word).toArray(String[]::new);
        }

        public static Kind of(String word) {
            return valueOf(word.strip().toUpperCase(Locale.ROOT));
        }
    }

    private final ToIntFunction<Message> publish;
    private final Supplier<Messages> messages;
    private volatile Set<Kind> enabled = EnumSet.noneOf(Kind.class);

    ClientEvents(ToIntFunction<Message> publish, Supplier<Messages> messages) {
        this.publish = publish;
        this.messages = messages;
    }

    /** Which kinds are published ({@code events.enabled}); the log lines do not depend on it. */
    public void enable(Set<Kind> kinds) {
        Set<Kind> copy = EnumSet.noneOf(Kind.class);
        copy.addAll(kinds);
        this.enabled = copy;
    }

    public boolean enabled(Kind kind) {
        return enabled.contains(kind);
    }

    void connected(
            ListenerInfo listener,
            String clientId,
            String username,
            InetSocketAddress peer,
            int version,
            int keepAlive,
            boolean cleanStart,
            boolean sessionPresent) {
        LOG.info(
                "client '{}'{} connected from {} (user {}, MQTT {}, keep alive {}s, listener {}.{})",
                clientId,
                mp(listener.mountpoint()),
                address(peer),
                username == null ? "none" : "'" + username + "'",
                protocol(version),
                keepAlive,
                listener.kind(),
                listener.name());
        if (enabled(Kind.CONNECTED)) {
            Map<String, Object> e = base(Kind.CONNECTED, listener.mountpoint(), clientId, username);
            peer(e, peer);
            e.put("protocol", protocol(version));
            e.put("keep_alive", keepAlive);
            e.put("clean_start", cleanStart);
            e.put("session_present", sessionPresent);
            e.put("listener", listener.kind() + "." + listener.name());
            send(Kind.CONNECTED, clientId, e);
        }
    }

    void disconnected(String mountpoint, String clientId, String username, InetSocketAddress peer, String reason) {
        LOG.info("client '{}'{} disconnected: {}", clientId, mp(mountpoint), reason);
        if (enabled(Kind.DISCONNECTED)) {
            Map<String, Object> e = base(Kind.DISCONNECTED, mountpoint, clientId, username);
            peer(e, peer);
            e.put("reason", reason);
            send(Kind.DISCONNECTED, clientId, e);
        }
    }

    /**
     * A CONNECT refused with a CONNACK. {@code authentication}: the refusal came from the
     * registration or enhanced-authentication hooks (or allow_anonymous), not from the packet.
     */
    void refused(
            String mountpoint,
            String clientId,
            String username,
            InetSocketAddress peer,
            int code,
            String reason,
            boolean authentication) {
        LOG.info(
                "CONNECT from {} (client id '{}', user {}) refused (0x{}): {}",
                address(peer),
                clientId,
                username == null ? "none" : "'" + username + "'",
                Integer.toHexString(code & 0xFF),
                reason);
        if (authentication && clientId != null && enabled(Kind.AUTH_FAILED)) {
            Map<String, Object> e = base(Kind.AUTH_FAILED, mountpoint, clientId, username);
            peer(e, peer);
            e.put("reason_code", code & 0xFF);
            e.put("reason", reason);
            send(Kind.AUTH_FAILED, clientId, e);
        }
    }

    void takenOver(String mountpoint, String clientId, String username, InetSocketAddress newPeer) {
        if (enabled(Kind.SESSION_TAKEN_OVER)) {
            Map<String, Object> e = base(Kind.SESSION_TAKEN_OVER, mountpoint, clientId, username);
            peer(e, newPeer);
            send(Kind.SESSION_TAKEN_OVER, clientId, e);
        }
    }

    void subscribed(String mountpoint, String clientId, String username, List<TopicSubscription> granted) {
        if (enabled(Kind.SUBSCRIBED) && !granted.isEmpty()) {
            Map<String, Object> e = base(Kind.SUBSCRIBED, mountpoint, clientId, username);
            List<Map<String, Object>> topics = new ArrayList<>();
            for (TopicSubscription t : granted) {
                Map<String, Object> one = new LinkedHashMap<>();
                one.put("topic", t.topic());
                one.put("qos", t.qos());
                topics.add(one);
            }
            e.put("topics", topics);
            send(Kind.SUBSCRIBED, clientId, e);
        }
    }

    void unsubscribed(String mountpoint, String clientId, String username, List<String> filters) {
        if (enabled(Kind.UNSUBSCRIBED) && !filters.isEmpty()) {
            Map<String, Object> e = base(Kind.UNSUBSCRIBED, mountpoint, clientId, username);
            e.put("topics", filters);
            send(Kind.UNSUBSCRIBED, clientId, e);
        }
    }

    /** The topic of one event: {@code $SYS/events/<kind>/<client id>}. */
    public static String topic(Kind kind, String clientId) {
        String level = clientId.isEmpty() ? "_" : clientId.replace('+', '_').replace('#', '_');
        return ROOT + kind.word() + "/" + level;
    }

    private void send(Kind kind, String clientId, Map<String, Object> event) {
        String body;
        try {
            body = JSON.writeValueAsString(event);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("event " + kind.word() + " not serializable", e);
        }
        publish.applyAsInt(messages.get().text(topic(kind, clientId), body, false));
    }

    private static Map<String, Object> base(Kind kind, String mountpoint, String clientId, String username) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("event", kind.word());
        e.put("timestamp", Instant.now().toString());
        e.put("client_id", clientId);
        e.put("mountpoint", mountpoint == null ? "" : mountpoint);
        e.put("username", username);
        return e;
    }

    private static void peer(Map<String, Object> e, InetSocketAddress peer) {
        e.put("peer_host", peer == null ? null : peer.getAddress().getHostAddress());
        e.put("peer_port", peer == null ? null : peer.getPort());
    }

    private static String address(InetSocketAddress peer) {
        return peer == null ? "?" : peer.getAddress().getHostAddress() + ":" + peer.getPort();
    }

    private static String mp(String mountpoint) {
        return mountpoint == null || mountpoint.isEmpty() ? "" : " on mountpoint '" + mountpoint + "'";
    }

    static String protocol(int version) {
        return version == 5 ? "5" : version == 4 ? "3.1.1" : "3.1";
    }
}
