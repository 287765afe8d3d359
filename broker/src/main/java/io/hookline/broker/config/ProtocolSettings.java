package io.hookline.broker.config;

import java.time.Duration;
import java.util.Optional;

/**
 * The protocol limits and feature switches, read once from a {@link Config} snapshot so the
 * hot path reads plain fields. Immutable; the broker swaps the whole object when a live key
 * changes.
 *
 * @param maxConnections            open MQTT connections, all listeners; 0 = no limit (auto already resolved)
 * @param maxInflightMessages       0 = bounded only by the client's receive maximum
 * @param maxOnlineMessages         -1 = no limit
 * @param maxOfflineMessages        -1 = no limit
 * @param queueHighWatermark        bytes waiting for an online session's socket above which its publishers
 *                                  wait; 0 = no back-pressure
 * @param queueLowWatermark         bytes at which they are read again; never above the high mark
 * @param maxMessageSize            bytes of a whole packet; never 0 (0 in the config = protocol maximum)
 * @param topicMaxDepth             0 = no limit
 * @param persistentClientExpirySeconds v3 persistent sessions; -1 = never expire
 * @param maxSessionExpirySeconds   cap on what v5 clients ask; -1 = no cap
 * @param maxMessageRate            PUBLISHes per second per client; 0 = no limit
 * @param upgradeOutgoingQos        deliver at the subscription's QoS, not min(publish, subscription)
 * @param queueBounds               byte bounds of session queues and the stalled-subscriber rule
 * @param maxConnectSize            largest CONNECT remaining length; never above maxMessageSize
 * @param outboundTopicAliasMaximum topic aliases the broker uses towards a v5 client (bounded by its own); 0 = none
 */
public record ProtocolSettings(
        boolean allowAnonymous,
        int maxConnections,
        int maxInflightMessages,
        int maxOnlineMessages,
        int maxOfflineMessages,
        long queueHighWatermark,
        long queueLowWatermark,
        int maxMessageSize,
        int maxClientIdSize,
        int topicMaxDepth,
        int maxKeepalive,
        int receiveMaximum,
        int topicAliasMaximum,
        int maxQos,
        boolean retainAvailable,
        boolean wildcardSubscriptionAvailable,
        boolean sharedSubscriptionAvailable,
        boolean subscriptionIdentifierAvailable,
        long connectTimeoutMillis,
        long retryIntervalMillis,
        long persistentClientExpirySeconds,
        long maxSessionExpirySeconds,
        SharedSubscriptionPolicy sharedSubscriptionPolicy,
        int maxMessageRate,
        boolean upgradeOutgoingQos,
        QueueBounds queueBounds,
        int maxConnectSize,
        int outboundTopicAliasMaximum) {

    /**
     * What one session may hold (queued bytes, subscriptions), and when a subscriber that stopped reading is stalled.
     *
     * @param maxOnlineBytes          0 = no limit
     * @param maxOfflineBytes         0 = no limit
     * @param stalledTimeoutNanos     0 = never stalled
     * @param disconnectStalled       true: close a stalled subscriber's connection; false: drop what does not fit
     * @param maxSubscriptions        subscriptions per session; 0 = no limit
     * @param maxSubscriptionMemory   {@code SubscriptionTrie.subscriptionCost} of a session's filters; 0 = no limit
     */
    public record QueueBounds(
            long maxOnlineBytes,
            long maxOfflineBytes,
            long stalledTimeoutNanos,
            boolean disconnectStalled,
            int maxSubscriptions,
            long maxSubscriptionMemory) {
        static QueueBounds from(Config config) {
            return new QueueBounds(
                    config.get(CoreConfig.MAX_ONLINE_BYTES),
                    config.get(CoreConfig.MAX_OFFLINE_BYTES),
                    config.get(CoreConfig.STALLED_SUBSCRIBER_TIMEOUT).toNanos(),
                    config.get(CoreConfig.STALLED_SUBSCRIBER_ACTION).equals("disconnect"),
                    config.get(CoreConfig.MAX_SUBSCRIPTIONS_PER_CLIENT),
                    config.get(CoreConfig.MAX_SUBSCRIPTION_MEMORY));
        }
    }

    /** The largest packet MQTT can express: remaining length 268,435,455 plus a 5-byte fixed header. */
    public static final int PROTOCOL_MAX_PACKET_SIZE = 268_435_455 + 5;

    public static ProtocolSettings from(Config config) {
        long maxMessageSize = ((Number) config.get(CoreConfig.MAX_MESSAGE_SIZE)).longValue();
        int maxPacket = maxMessageSize <= 0 || maxMessageSize > PROTOCOL_MAX_PACKET_SIZE
                ? PROTOCOL_MAX_PACKET_SIZE
                : (int) maxMessageSize;
        return new ProtocolSettings(
                config.get(CoreConfig.ALLOW_ANONYMOUS),
                maxConnections(config),
                config.get(CoreConfig.MAX_INFLIGHT_MESSAGES),
                config.get(CoreConfig.MAX_ONLINE_MESSAGES),
                config.get(CoreConfig.MAX_OFFLINE_MESSAGES),
                config.get(CoreConfig.QUEUE_HIGH_WATERMARK),
                Math.min(config.get(CoreConfig.QUEUE_LOW_WATERMARK), config.get(CoreConfig.QUEUE_HIGH_WATERMARK)),
                maxPacket,
                config.get(CoreConfig.MAX_CLIENT_ID_SIZE),
                config.get(CoreConfig.TOPIC_MAX_DEPTH),
                config.get(CoreConfig.MAX_KEEPALIVE),
                config.get(CoreConfig.RECEIVE_MAXIMUM),
                config.get(CoreConfig.TOPIC_ALIAS_MAXIMUM),
                config.get(CoreConfig.MAX_QOS),
                config.get(CoreConfig.RETAIN_AVAILABLE),
                config.get(CoreConfig.WILDCARD_SUBSCRIPTION_AVAILABLE),
                config.get(CoreConfig.SHARED_SUBSCRIPTION_AVAILABLE),
                config.get(CoreConfig.SUBSCRIPTION_IDENTIFIER_AVAILABLE),
                config.get(CoreConfig.CONNECT_TIMEOUT).toMillis(),
                config.get(CoreConfig.RETRY_INTERVAL).toMillis(),
                seconds(config.get(CoreConfig.PERSISTENT_CLIENT_EXPIRATION)),
                seconds(config.get(CoreConfig.MAX_SESSION_EXPIRY_INTERVAL)),
                config.get(CoreConfig.SHARED_SUBSCRIPTION_POLICY),
                config.get(CoreConfig.MAX_MESSAGE_RATE),
                config.get(CoreConfig.UPGRADE_OUTGOING_QOS),
                QueueBounds.from(config),
                Math.min(config.get(CoreConfig.MAX_CONNECT_SIZE), maxPacket),
                config.get(CoreConfig.OUTBOUND_TOPIC_ALIAS_MAXIMUM));
    }

    /** listener.max_connections; auto: derived from the open-file limit ({@link OpenFiles}). */
    private static int maxConnections(Config config) {
        int configured = config.get(CoreConfig.LISTENER_MAX_CONNECTIONS);
        return configured == ValueType.AUTO ? OpenFiles.of(config).defaultMaxConnections() : configured;
    }

    private static long seconds(Optional<Duration> duration) {
        return duration.map(Duration::toSeconds).orElse(-1L);
    }

    /**
     * The Maximum Packet Size announced to v5 clients: the largest whole packet whose remaining
     * length is within max_message_size (what the decoder enforces).
     */
    public int maxPacketSizeAnnounced() {
        int vbi = maxMessageSize < 128 ? 1 : maxMessageSize < 16_384 ? 2 : maxMessageSize < 2_097_152 ? 3 : 4;
        return maxMessageSize + 1 + vbi;
    }

    /** The outbound inflight window for a client announcing {@code clientReceiveMaximum}. */
    public int inflightWindow(int clientReceiveMaximum) {
        return maxInflightMessages == 0 ? clientReceiveMaximum : Math.min(maxInflightMessages, clientReceiveMaximum);
    }
}
