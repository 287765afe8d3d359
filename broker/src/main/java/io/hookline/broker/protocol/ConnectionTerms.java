package io.hookline.broker.protocol;

import io.hookline.broker.config.SharedSubscriptionPolicy;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What one connection runs on, as its CONNECT settled it: the client's own limits, the broker's
 * answers, and auth_on_register's modifiers. Immutable: a connection holds
 * {@link #BEFORE_CONNECT} until its CONNECT is read, then the client's limits
 * ({@link #withClientLimits}, so a refusal already honours them), then the whole negotiation
 * once the CONNECT is accepted. What changes while connected (the will cleared by DISCONNECT,
 * topic aliases, the rate's schedule) lives in the connection, not here.
 *
 * @param keepAliveSeconds         the keep alive in effect (after max_keepalive), 0 for none
 * @param clientReceiveMaximum     the client's Receive Maximum: our outbound window is at most this
 * @param clientMaximumPacketSize  the largest packet the client takes, MAX_VALUE for no limit
 * @param problemInformation       whether the client wants reason strings and user properties
 * @param receiveMaximum           ours to the client (auth_on_register's receive_max, else receive_maximum)
 * @param maxInflight              auth_on_register's max_inflight_messages, or -1
 * @param maxPayloadSize           largest PUBLISH payload the client may send (max_message_size), or MAX_VALUE
 * @param maxMessageRate           messages per second (auth_on_register's, else max_message_rate), 0 for no limit
 * @param sharedPolicy             auth_on_register's shared_subscription_policy for what the client
 *                                 publishes, or null for the broker's
 * @param topicAliasMaximum        inbound topic aliases the client may use (v5), 0 for none
 * @param retryMillis              MQTT 3.x resend interval (retry_interval), 0 for none
 */
record ConnectionTerms(
        int keepAliveSeconds,
        int clientReceiveMaximum,
        int clientMaximumPacketSize,
        boolean problemInformation,
        int receiveMaximum,
        int maxInflight,
        int maxPayloadSize,
        long maxMessageRate,
        SharedSubscriptionPolicy sharedPolicy,
        int topicAliasMaximum,
        long retryMillis) {

    /** Before a CONNECT is read: the protocol's defaults. */
    static final ConnectionTerms BEFORE_CONNECT =
            new ConnectionTerms(0, 65535, Integer.MAX_VALUE, true, 65535, -1, Integer.MAX_VALUE, 0, null, 0, 0);

    /** The client's own limits, read from its CONNECT (v5 properties), before the hooks decide. */
    ConnectionTerms withClientLimits(boolean problem, int clientReceiveMax, int clientMaxPacketSize) {
        return new ConnectionTerms(
                keepAliveSeconds,
                clientReceiveMax,
                clientMaxPacketSize,
                problem,
                receiveMaximum,
                maxInflight,
                maxPayloadSize,
                maxMessageRate,
                sharedPolicy,
                topicAliasMaximum,
                retryMillis);
    }

    /** How many distinct terms {@link #shared} keeps; past that, new ones are not shared. */
    static final int SHARED_MAX = 256;

    private static final Map<ConnectionTerms, ConnectionTerms> SHARED = new ConcurrentHashMap<>();

    /**
     * An equal instance every connection with these terms holds, instead of one each (72 B per
     * connection): clients of one kind negotiate the same terms. At most {@link #SHARED_MAX} are
     * kept (immutable values, for the life of the JVM); beyond, {@code terms} itself. Thread-safe.
     */
    static ConnectionTerms shared(ConnectionTerms terms) {
        ConnectionTerms known = SHARED.get(terms);
        if (known != null) {
            return known;
        }
        if (SHARED.size() >= SHARED_MAX) {
            return terms;
        }
        known = SHARED.putIfAbsent(terms, terms);
        return known != null ? known : terms;
    }
}
