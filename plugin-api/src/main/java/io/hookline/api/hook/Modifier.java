package io.hookline.api.hook;

import io.hookline.api.auth.SessionPermissions;
import io.hookline.api.mqtt.Bytes;
import io.hookline.api.mqtt.Properties;
import io.hookline.api.mqtt.TopicSubscription;
import java.util.List;
import java.util.Objects;

/**
 * A typed change an {@code ok} answer may ask for, named as in VerneMQ. Each {@link Hook} lists
 * the modifiers it accepts; any other, or an invalid value (a topic that is not a valid topic
 * name, a QoS outside 0..2), makes the answer a failure of the handler.
 *
 * <pre>{@code
 * return Answer.ok(Modifiers.builder()
 *         .set(Modifier.TOPIC, "tenant/acme/" + in.topic())
 *         .set(Modifier.QOS, 1)
 *         .build());
 * }</pre>
 *
 * @param <T> the value type
 */
public final class Modifier<T> {
    // auth_on_register(_m5)
    public static final Modifier<String> CLIENT_ID = new Modifier<>("client_id", String.class);
    public static final Modifier<String> MOUNTPOINT = new Modifier<>("mountpoint", String.class);
    public static final Modifier<String> USERNAME = new Modifier<>("username", String.class);
    public static final Modifier<Boolean> CLEAN_SESSION = new Modifier<>("clean_session", Boolean.class);
    public static final Modifier<Long> MAX_MESSAGE_SIZE = new Modifier<>("max_message_size", Long.class);
    /** PUBLISHes per second the client may send (0 = no limit); a faster client is throttled, not disconnected. */
    public static final Modifier<Long> MAX_MESSAGE_RATE = new Modifier<>("max_message_rate", Long.class);

    public static final Modifier<Long> MAX_INFLIGHT_MESSAGES = new Modifier<>("max_inflight_messages", Long.class);
    /** Seconds. */
    public static final Modifier<Long> RETRY_INTERVAL = new Modifier<>("retry_interval", Long.class);
    /** Deliver to the client at its subscription's QoS, not min(publish QoS, subscription QoS). */
    public static final Modifier<Boolean> UPGRADE_QOS = new Modifier<>("upgrade_qos", Boolean.class);

    public static final Modifier<Long> MAX_ONLINE_MESSAGES = new Modifier<>("max_online_messages", Long.class);
    public static final Modifier<Long> MAX_OFFLINE_MESSAGES = new Modifier<>("max_offline_messages", Long.class);
    /** Seconds. */
    public static final Modifier<Long> MAX_CONNECTION_LIFETIME = new Modifier<>("max_connection_lifetime", Long.class);
    /**
     * How a shared group member is chosen for the messages this client publishes: {@code random},
     * {@code round_robin}, or VerneMQ's {@code prefer_local} / {@code local_only} (in a cluster as in
     * VerneMQ; on one node: as random).
     */
    public static final Modifier<String> SHARED_SUBSCRIPTION_POLICY =
            new Modifier<>("shared_subscription_policy", String.class);
    /** Seconds (MQTT 5). */
    public static final Modifier<Long> SESSION_EXPIRY_INTERVAL = new Modifier<>("session_expiry_interval", Long.class);

    public static final Modifier<Long> RECEIVE_MAX = new Modifier<>("receive_max", Long.class);
    public static final Modifier<Long> TOPIC_ALIAS_MAX = new Modifier<>("topic_alias_max", Long.class);
    /** Hookline's addition: permissions checked in-process for the session. */
    public static final Modifier<SessionPermissions> PERMISSIONS =
            new Modifier<>("permissions", SessionPermissions.class);

    // auth_on_publish(_m5), on_deliver(_m5)
    public static final Modifier<String> TOPIC = new Modifier<>("topic", String.class);
    public static final Modifier<Bytes> PAYLOAD = new Modifier<>("payload", Bytes.class);
    public static final Modifier<Integer> QOS = new Modifier<>("qos", Integer.class);
    public static final Modifier<Boolean> RETAIN = new Modifier<>("retain", Boolean.class);
    /**
     * Milliseconds (0..3,600,000) during which nothing more from the publisher is read or takes
     * effect; the message answered goes on. A second throttle while paused extends the pause.
     */
    public static final Modifier<Long> THROTTLE = new Modifier<>("throttle", Long.class);

    // MQTT 5 hooks: user properties, reason string, message properties, auth method/data
    public static final Modifier<Properties> PROPERTIES = new Modifier<>("properties", Properties.class);

    // auth_on_subscribe(_m5): the whole list, same length and order as the input
    @SuppressWarnings({"unchecked", "rawtypes"})
    public static final Modifier<List<TopicSubscription>> TOPICS = new Modifier<>("topics", (Class) List.class);

    // on_unsubscribe(_m5): the rewritten filter list
    @SuppressWarnings({"unchecked", "rawtypes"})
    public static final Modifier<List<String>> UNSUBSCRIBE_TOPICS = new Modifier<>("topics", (Class) List.class);

    /** on_auth_m5: 0x00 success or 0x18 continue authentication. */
    public static final Modifier<Integer> REASON_CODE = new Modifier<>("reason_code", Integer.class);

    private final String name;
    private final Class<T> type;

    private Modifier(String name, Class<T> type) {
        this.name = Objects.requireNonNull(name);
        this.type = type;
    }

    /** @return the VerneMQ name, as in webhook JSON */
    public String name() {
        return name;
    }

    /** @return the Java type of the value ({@code List} for the topic lists) */
    public Class<T> type() {
        return type;
    }

    @Override
    public String toString() {
        return name;
    }
}
