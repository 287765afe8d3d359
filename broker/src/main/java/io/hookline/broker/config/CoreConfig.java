package io.hookline.broker.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The broker's own keys. Each constant is named after its key; {@code conf/broker.conf} ships
 * every one of them with its documentation (a test keeps the two in step).
 */
public final class CoreConfig {

    private CoreConfig() {}

    private static final int UNLIMITED = Integer.MAX_VALUE;
    private static final int UINT16_MAX = 65535;

    /** {@code listener.tcp.<name>}; the other listener keys are in {@link ListenerConfig}. */
    public static final ConfigKey<HostPort> LISTENER_TCP =
            ListenerConfig.keys(ListenerConfig.Kind.TCP).address();

    public static final ConfigKey<Integer> LISTENER_MAX_CONNECTIONS = ConfigKey.builder(
                    "listener.max_connections", ValueType.integerOrAuto(0, UNLIMITED))
            .defaultValue(ValueType.AUTO)
            .doc("open MQTT connections across all listeners; 0 = no limit; auto = the process's open-file"
                    + " limit minus a reserve (a tenth, at least 512, at least http.max_connections per"
                    + " management listener + 256 up to half the limit) for the management listener, logs and stores")
            .build();

    public static final ConfigKey<Integer> IO_THREADS = ConfigKey.builder(
                    "io_threads", ValueType.integerOrAuto(1, 1024))
            .defaultValue(ValueType.AUTO)
            .doc("event loops serving the MQTT connections; auto = one per CPU (the most throughput). Fewer"
                    + " wake fewer threads per message: lower latency and CPU at moderate rates where the CPUs are"
                    + " shared with other busy processes (docs/benchmarks.md)")
            .build();

    public static final ConfigKey<Boolean> ALLOW_ANONYMOUS = ConfigKey.builder("allow_anonymous", ValueType.bool())
            .defaultValue(false)
            .doc("clients without credentials may connect when no plugin decides")
            .live()
            .build();

    public static final ConfigKey<Integer> MAX_INFLIGHT_MESSAGES = ConfigKey.builder(
                    "max_inflight_messages", ValueType.integer(0, UINT16_MAX))
            .defaultValue(20)
            .doc("QoS 1/2 messages in flight to one client; 0 = no limit besides the client's" + " receive maximum")
            .live()
            .build();

    public static final ConfigKey<Integer> MAX_ONLINE_MESSAGES = ConfigKey.builder(
                    "max_online_messages", ValueType.integer(-1, UNLIMITED))
            .defaultValue(1000)
            .doc("messages queued for an online client beyond the inflight window; -1 = no limit")
            .live()
            .build();

    public static final ConfigKey<Integer> MAX_OFFLINE_MESSAGES = ConfigKey.builder(
                    "max_offline_messages", ValueType.integer(-1, UNLIMITED))
            .defaultValue(1000)
            .doc("messages queued for an offline persistent session, oldest dropped first;" + " -1 = no limit")
            .live()
            .build();

    public static final ConfigKey<Integer> MAX_ONLINE_BYTES = ConfigKey.builder("max_online_bytes", ValueType.bytes())
            .defaultValue(8 * 1024 * 1024)
            .doc("bytes an online client may have waiting (its queue and messages on their way to it,"
                    + " counted as payload + topic + ~100 bytes each); beyond, the newest are dropped (one"
                    + " message is always taken); 0 = no limit")
            .live()
            .build();

    public static final ConfigKey<Integer> MAX_OFFLINE_BYTES = ConfigKey.builder("max_offline_bytes", ValueType.bytes())
            .defaultValue(4 * 1024 * 1024)
            .doc("bytes queued for an offline persistent session, oldest dropped first (one message is"
                    + " always kept); 0 = no limit")
            .live()
            .build();

    public static final ConfigKey<Duration> STALLED_SUBSCRIBER_TIMEOUT = ConfigKey.builder(
                    "stalled_subscriber_timeout", ValueType.duration())
            .defaultValue(Duration.ofSeconds(5))
            .doc("a session above queue_high_watermark whose client has taken nothing from its socket"
                    + " for this long is stalled: it no longer holds its publishers back, and"
                    + " stalled_subscriber_action applies; 0 = never")
            .live()
            .build();

    public static final ConfigKey<String> STALLED_SUBSCRIBER_ACTION = ConfigKey.builder(
                    "stalled_subscriber_action", ValueType.oneOf("drop", "disconnect"))
            .defaultValue("drop")
            .doc("drop: a stalled session keeps its connection and what does not fit max_online_messages /"
                    + " max_online_bytes is dropped (on_message_drop, queue_full); disconnect: the broker closes"
                    + " its connection (v5: DISCONNECT 0x97)")
            .live()
            .build();

    public static final ConfigKey<Integer> QUEUE_HIGH_WATERMARK = ConfigKey.builder(
                    "queue_high_watermark", ValueType.bytes())
            .defaultValue(256 * 1024)
            .doc("back-pressure: while an online session has this many bytes waiting for its"
                    + " socket, the broker stops reading from the clients publishing to it; 0 = off")
            .live()
            .build();

    public static final ConfigKey<Integer> QUEUE_LOW_WATERMARK = ConfigKey.builder(
                    "queue_low_watermark", ValueType.bytes())
            .defaultValue(128 * 1024)
            .doc("back-pressure: publishers are read again once the session is down to this many"
                    + " bytes (at most queue_high_watermark)")
            .live()
            .build();

    /** The largest packet size MQTT can express (a 4-byte variable length integer). */
    public static final int PROTOCOL_MAX_MESSAGE_SIZE = 268_435_455;

    public static final ConfigKey<Integer> MAX_MESSAGE_SIZE = ConfigKey.builder("max_message_size", ValueType.bytes())
            .defaultValue(1024 * 1024)
            .doc("largest packet (remaining length) accepted, in bytes, announced to v5 clients as"
                    + " Maximum Packet Size; 0 (or anything above 268435455) = the protocol maximum,"
                    + " 268435455")
            .build();

    public static final ConfigKey<Integer> MAX_CONNECT_SIZE = ConfigKey.builder(
                    "max_connect_size", ValueType.bytes(1024, PROTOCOL_MAX_MESSAGE_SIZE))
            .defaultValue(64 * 1024)
            .doc("largest CONNECT (remaining length) accepted, in bytes, judged from its fixed header"
                    + " before any of it is buffered; at most max_message_size")
            .build();

    public static final ConfigKey<Integer> MAX_MESSAGE_RATE = ConfigKey.builder(
                    "max_message_rate", ValueType.integer(0, UNLIMITED))
            .defaultValue(0)
            .doc("PUBLISHes per second one client may send; a faster client is throttled (reading"
                    + " from it pauses until the rate allows), not disconnected; 0 = no limit."
                    + " auth_on_register's max_message_rate overrides it per client; a change applies"
                    + " to new connections")
            .live()
            .build();

    public static final ConfigKey<Integer> MAX_CLIENT_ID_SIZE = ConfigKey.builder(
                    "max_client_id_size", ValueType.integer(1, UINT16_MAX))
            .defaultValue(100)
            .doc("longest client identifier accepted, in bytes")
            .build();

    public static final ConfigKey<Integer> TOPIC_MAX_DEPTH = ConfigKey.builder(
                    "topic_max_depth", ValueType.integer(0, UNLIMITED))
            .defaultValue(200)
            .doc("most levels a topic or topic filter may have (Mosquitto's limit is 200); 0 = no limit")
            .build();

    public static final ConfigKey<Integer> MAX_SUBSCRIPTIONS_PER_CLIENT = ConfigKey.builder(
                    "max_subscriptions_per_client", ValueType.integer(0, UNLIMITED))
            .defaultValue(10_000)
            .doc("subscriptions one session may hold; more are refused in the SUBACK (v5 0x97, 3.x 0x80);"
                    + " 0 = no limit")
            .live()
            .build();

    public static final ConfigKey<Integer> MAX_SUBSCRIPTION_MEMORY = ConfigKey.builder(
                    "max_subscription_memory", ValueType.bytes())
            .defaultValue(16 * 1024 * 1024)
            .doc("what one session's subscriptions may cost the router, estimated per filter as its length"
                    + " twice plus ~200 bytes per level; a filter that does not fit is refused in the SUBACK;"
                    + " 0 = no limit")
            .live()
            .build();

    public static final ConfigKey<Integer> MAX_KEEPALIVE = ConfigKey.builder(
                    "max_keepalive", ValueType.integer(0, UINT16_MAX))
            .defaultValue(UINT16_MAX)
            .doc("keep alive, in seconds; a client asking for more is capped (announced to v5"
                    + " clients as Server Keep Alive)")
            .build();

    public static final ConfigKey<Integer> RECEIVE_MAXIMUM = ConfigKey.builder(
                    "receive_maximum", ValueType.integer(1, UINT16_MAX))
            .defaultValue(100)
            .doc("the broker's Receive Maximum announced to v5 clients; a client with more"
                    + " unacknowledged QoS>0 PUBLISHes is disconnected (0x93)")
            .build();

    public static final ConfigKey<Integer> TOPIC_ALIAS_MAXIMUM = ConfigKey.builder(
                    "topic_alias_maximum", ValueType.integer(0, UINT16_MAX))
            .defaultValue(10)
            .doc("inbound topic aliases accepted from a v5 client; 0 = none")
            .build();

    public static final ConfigKey<Integer> OUTBOUND_TOPIC_ALIAS_MAXIMUM = ConfigKey.builder(
                    "outbound_topic_alias_maximum", ValueType.integer(0, UINT16_MAX))
            .defaultValue(10)
            .doc("topic aliases the broker uses towards a v5 client, at most what the client announces"
                    + " (its Topic Alias Maximum); the topics sent most recently keep theirs; 0 = none")
            .build();

    public static final ConfigKey<Integer> MAX_QOS = ConfigKey.builder("max_qos", ValueType.integer(0, 2))
            .defaultValue(2)
            .doc("highest QoS the broker supports")
            .build();

    public static final ConfigKey<Boolean> RETAIN_AVAILABLE = ConfigKey.builder("retain_available", ValueType.bool())
            .defaultValue(true)
            .doc("whether retained messages are supported")
            .build();

    public static final ConfigKey<Boolean> WILDCARD_SUBSCRIPTION_AVAILABLE = ConfigKey.builder(
                    "wildcard_subscription_available", ValueType.bool())
            .defaultValue(true)
            .doc("whether subscriptions may use + and #")
            .build();

    public static final ConfigKey<Boolean> SHARED_SUBSCRIPTION_AVAILABLE = ConfigKey.builder(
                    "shared_subscription_available", ValueType.bool())
            .defaultValue(true)
            .doc("whether $share/GROUP/filter subscriptions are supported")
            .build();

    public static final ConfigKey<Boolean> SUBSCRIPTION_IDENTIFIER_AVAILABLE = ConfigKey.builder(
                    "subscription_identifier_available", ValueType.bool())
            .defaultValue(true)
            .doc("whether v5 subscription identifiers are supported")
            .build();

    public static final ConfigKey<Duration> CONNECT_TIMEOUT = ConfigKey.builder(
                    "connect_timeout", ValueType.duration(Duration.ofMillis(1)))
            .defaultValue(Duration.ofSeconds(10))
            .doc("a connection that sends no CONNECT within this is closed")
            .build();

    public static final ConfigKey<Duration> RETRY_INTERVAL = ConfigKey.builder(
                    "retry_interval", ValueType.duration(Duration.ofMillis(1)))
            .defaultValue(Duration.ofSeconds(20))
            .doc("MQTT 3.1/3.1.1 only: an unacknowledged QoS 1/2 PUBLISH is resent after this"
                    + " (MQTT 5 resends only on reconnect, per spec)")
            .build();

    public static final ConfigKey<Optional<Duration>> PERSISTENT_CLIENT_EXPIRATION = ConfigKey.builder(
                    "persistent_client_expiration", ValueType.durationOrNever())
            .defaultValue(Optional.of(Duration.ofDays(1)))
            .doc("an offline persistent session of a 3.1/3.1.1 client is removed after this")
            .build();

    public static final ConfigKey<Optional<Duration>> MAX_SESSION_EXPIRY_INTERVAL = ConfigKey.builder(
                    "max_session_expiry_interval", ValueType.durationOrNever())
            .defaultValue(Optional.of(Duration.ofDays(1)))
            .doc("caps the session expiry interval asked for by v5 clients (the CONNACK says so)")
            .build();

    public static final ConfigKey<Boolean> UPGRADE_OUTGOING_QOS = ConfigKey.builder(
                    "upgrade_outgoing_qos", ValueType.bool())
            .defaultValue(false)
            .doc("deliver at the subscription's QoS even when the message was published at a lower"
                    + " one (not what MQTT specifies); auth_on_register's upgrade_qos overrides it per"
                    + " client; a change applies to new connections")
            .live()
            .build();

    public static final ConfigKey<SharedSubscriptionPolicy> SHARED_SUBSCRIPTION_POLICY = ConfigKey.builder(
                    "shared_subscription_policy", ValueType.enumOf(SharedSubscriptionPolicy.class))
            .defaultValue(SharedSubscriptionPolicy.RANDOM)
            .doc("how one member of a shared subscription group is chosen (online members first);"
                    + " auth_on_register's shared_subscription_policy overrides it for the messages that"
                    + " client publishes. In a cluster random and round_robin choose among all members"
                    + " cluster-wide, prefer_local a member on the publisher's node if it has one, local_only"
                    + " only members on the publisher's node; on a single node the last two choose like random")
            .build();

    public static final ConfigKey<Duration> SYSTREE_INTERVAL = ConfigKey.builder(
                    "systree_interval", ValueType.duration())
            .defaultValue(Duration.ofSeconds(10))
            .doc("how often $SYS/broker/... topics are published; 0 = off")
            .build();

    public static final ConfigKey<Path> DATA_DIR = ConfigKey.builder("data_dir", ValueType.path())
            .defaultValue(Path.of("data"))
            .doc("directory for durable state (sessions, retained messages, the admin key)")
            .build();

    /** The store's directory inside data_dir. */
    public static final String STORE_DIRECTORY = "store";

    public static final ConfigKey<Boolean> PERSISTENCE = ConfigKey.builder("persistence", ValueType.bool())
            .defaultValue(true)
            .doc("keep sessions, subscriptions, queues, in-flight messages and retained messages in"
                    + " the store under data_dir/store (RocksDB), so that they survive a restart and a"
                    + " crash; off = in memory only")
            .build();

    public static final ConfigKey<SyncPolicy> PERSISTENCE_SYNC = ConfigKey.builder(
                    "persistence.sync", ValueType.enumOf(SyncPolicy.class))
            .defaultValue(SyncPolicy.INTERVAL)
            .doc("when the store's write-ahead log is forced to disk: interval (every"
                    + " persistence.sync_interval), always (before each acknowledgement, one fsync shared"
                    + " by concurrent writes) or never (the OS decides). Every policy writes the log"
                    + " before acknowledging, so a killed broker loses nothing acknowledged")
            .build();

    public static final ConfigKey<Duration> PERSISTENCE_SYNC_INTERVAL = ConfigKey.builder(
                    "persistence.sync_interval", ValueType.duration(Duration.ofMillis(1)))
            .defaultValue(Duration.ofSeconds(1))
            .doc("with persistence.sync = interval: how often the write-ahead log is fsynced, the most"
                    + " a power loss can take")
            .build();

    public static final ConfigKey<HostPort> LISTENER_HTTP = ConfigKey.builder(
                    "listener.http.<name>", ValueType.hostPort())
            .doc("management HTTP listener: /api/v1 (bin/admin), /metrics, /health, /status;"
                    + " any number of named ones")
            .build();

    public static final ConfigKey<Boolean> HTTP_METRICS_REQUIRE_KEY = ConfigKey.builder(
                    "http.metrics.require_key", ValueType.bool())
            .defaultValue(false)
            .doc("/metrics needs an API key with scope metrics")
            .build();

    public static final ConfigKey<Boolean> HTTP_STATUS_REQUIRE_KEY = ConfigKey.builder(
                    "http.status.require_key", ValueType.bool())
            .defaultValue(false)
            .doc("/status and /status/data need an API key with scope status")
            .build();

    public static final ConfigKey<Boolean> HTTP_STATUS_CLIENTS_REQUIRE_KEY = ConfigKey.builder(
                    "http.status.clients_require_key", ValueType.bool())
            .defaultValue(true)
            .doc("/status/data lists connected clients (ids, user names) only for a key with scope"
                    + " status; without a key it gives the summary (counts, rates, hooks, listeners)")
            .build();

    public static final ConfigKey<Boolean> HTTP_HEALTH_REQUIRE_KEY = ConfigKey.builder(
                    "http.health.require_key", ValueType.bool())
            .defaultValue(false)
            .doc("/health and /health/ping need an API key with scope health")
            .build();

    public static final ConfigKey<Integer> HTTP_MAX_CONNECTIONS = ConfigKey.builder(
                    "http.max_connections", ValueType.integer(1, UNLIMITED))
            .defaultValue(1024)
            .doc("open connections per management HTTP listener; more wait in the kernel's accept"
                    + " queue until one closes")
            .build();

    public static final ConfigKey<Duration> HTTP_REQUEST_TIMEOUT = ConfigKey.builder(
                    "http.request_timeout", ValueType.duration(Duration.ofMillis(1)))
            .defaultValue(Duration.ofSeconds(5))
            .doc("a management HTTP request whose header has not fully arrived within this is"
                    + " dropped with its connection (slowloris)")
            .build();

    public static final ConfigKey<Duration> HTTP_IDLE_TIMEOUT = ConfigKey.builder(
                    "http.idle_timeout", ValueType.duration(Duration.ofMillis(1)))
            .defaultValue(Duration.ofSeconds(60))
            .doc("a management HTTP connection with no request (or a body that stops moving) for"
                    + " this long is closed")
            .build();

    public static final ConfigKey<List<String>> EVENTS_ENABLED = ConfigKey.builder(
                    "events.enabled",
                    ValueType.list(ValueType.oneOf(
                            "connected",
                            "disconnected",
                            "subscribed",
                            "unsubscribed",
                            "session_taken_over",
                            "auth_failed")))
            .defaultValue(List.of())
            .doc("client events published as JSON on $SYS/events/<event>/<client id>: any of connected,"
                    + " disconnected, subscribed, unsubscribed, session_taken_over, auth_failed;"
                    + " empty = none")
            .build();

    public static final ConfigKey<Boolean> DIRECT_MESSAGES_ALLOW_ANONYMOUS = ConfigKey.builder(
                    "direct_messages.allow_anonymous", ValueType.bool())
            .defaultValue(false)
            .doc("clients without a user name may send direct messages ($direct/<client id>/<topic>);"
                    + " users may whenever auth_on_publish (the ACL) allows the $direct/... topic")
            .build();

    private static final List<ConfigKey<?>> ALL = List.of(
            LISTENER_TCP,
            LISTENER_MAX_CONNECTIONS,
            ALLOW_ANONYMOUS,
            MAX_INFLIGHT_MESSAGES,
            MAX_ONLINE_MESSAGES,
            MAX_OFFLINE_MESSAGES,
            QUEUE_HIGH_WATERMARK,
            QUEUE_LOW_WATERMARK,
            MAX_ONLINE_BYTES,
            MAX_OFFLINE_BYTES,
            STALLED_SUBSCRIBER_TIMEOUT,
            STALLED_SUBSCRIBER_ACTION,
            MAX_SUBSCRIPTIONS_PER_CLIENT,
            MAX_SUBSCRIPTION_MEMORY,
            MAX_MESSAGE_SIZE,
            MAX_CONNECT_SIZE,
            MAX_MESSAGE_RATE,
            MAX_CLIENT_ID_SIZE,
            TOPIC_MAX_DEPTH,
            MAX_KEEPALIVE,
            RECEIVE_MAXIMUM,
            TOPIC_ALIAS_MAXIMUM,
            OUTBOUND_TOPIC_ALIAS_MAXIMUM,
            MAX_QOS,
            IO_THREADS,
            RETAIN_AVAILABLE,
            WILDCARD_SUBSCRIPTION_AVAILABLE,
            SHARED_SUBSCRIPTION_AVAILABLE,
            SUBSCRIPTION_IDENTIFIER_AVAILABLE,
            CONNECT_TIMEOUT,
            RETRY_INTERVAL,
            PERSISTENT_CLIENT_EXPIRATION,
            MAX_SESSION_EXPIRY_INTERVAL,
            UPGRADE_OUTGOING_QOS,
            SHARED_SUBSCRIPTION_POLICY,
            SYSTREE_INTERVAL,
            DATA_DIR,
            PERSISTENCE,
            PERSISTENCE_SYNC,
            PERSISTENCE_SYNC_INTERVAL,
            LISTENER_HTTP,
            HTTP_METRICS_REQUIRE_KEY,
            HTTP_STATUS_REQUIRE_KEY,
            HTTP_HEALTH_REQUIRE_KEY,
            HTTP_MAX_CONNECTIONS,
            HTTP_REQUEST_TIMEOUT,
            HTTP_IDLE_TIMEOUT,
            HTTP_STATUS_CLIENTS_REQUIRE_KEY,
            EVENTS_ENABLED,
            DIRECT_MESSAGES_ALLOW_ANONYMOUS);

    /** A new schema holding every core key; plugins add theirs to it before the file is validated. */
    public static ConfigSchema schema() {
        ConfigSchema schema = new ConfigSchema();
        ALL.forEach(schema::add);
        ClusterConfig.all().forEach(schema::add);
        for (ConfigKey<?> key : ListenerConfig.all()) {
            if (key != LISTENER_TCP) {
                schema.add(key);
            }
        }
        return schema;
    }
}
