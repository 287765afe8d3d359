package io.hookline.broker.store;

import io.hookline.broker.routing.Message;
import io.hookline.broker.routing.SubscriberId;

/**
 * What a persistent session is, apart from its subscriptions, queue and in-flight messages:
 * enough to bring it back after a restart and to run its expiry and will timers from wall-clock
 * instants. Immutable.
 *
 * @param protocolVersion       3, 4 or 5, of the latest connection
 * @param username              of the latest connection, or null
 * @param expirySeconds         -1 never; otherwise more than 0 (a session with 0 is not persistent
 *                              and has no record)
 * @param disconnectedAtMillis  epoch millis the connection went away, or 0 while one is attached
 *                              (after a crash such a session is treated as disconnected at recovery)
 * @param will                  while connected: the connection's will (sent if it ends without a
 *                              normal DISCONNECT, a crash included); while disconnected: the will
 *                              still pending (its delay not yet over); null for none. Its topic is
 *                              mounted; its expiry is stamped when it is published
 * @param willDelaySeconds      the will's delay (MQTT 5 Will Delay Interval), 0 for none
 * @param maxOnlineMessages     auth_on_register's max_online_messages, or null for the broker's
 * @param maxOfflineMessages    auth_on_register's max_offline_messages, or null for the broker's
 */
public record SessionRecord(
        SubscriberId id,
        int protocolVersion,
        String username,
        long expirySeconds,
        long disconnectedAtMillis,
        Message will,
        long willDelaySeconds,
        Integer maxOnlineMessages,
        Integer maxOfflineMessages) {

    public boolean isConnected() {
        return disconnectedAtMillis == 0;
    }

    /** Epoch millis the session expires if nobody connects, or Long.MAX_VALUE for never. */
    public long expiresAtMillis(long disconnectedAt) {
        return expirySeconds < 0 ? Long.MAX_VALUE : disconnectedAt + expirySeconds * 1000;
    }

    /** Epoch millis the pending will is due: after its delay, or when the session expires if that is sooner. */
    public long willDueAtMillis(long disconnectedAt) {
        long delay = expirySeconds < 0 ? willDelaySeconds : Math.min(willDelaySeconds, expirySeconds);
        return disconnectedAt + delay * 1000;
    }
}
