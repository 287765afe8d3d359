package io.hookline.broker.session;

import io.hookline.broker.routing.SubscriberId;

/**
 * What an accepted CONNECT settled for the session: who it is, whether it starts clean, how
 * long it outlives the connection, the will, and the queue terms auth_on_register set.
 * Immutable.
 *
 * @param expirySeconds      0: the session ends with the connection; -1: never expires
 * @param will               the connection's will (topic mounted), or null
 * @param maxOnlineMessages  auth_on_register's max_online_messages, or null for the broker's
 * @param maxOfflineMessages auth_on_register's max_offline_messages, or null for the broker's
 * @param upgradeQos         deliver at the subscription's QoS (upgrade_qos / upgrade_outgoing_qos)
 */
public record SessionTerms(
        SubscriberId id,
        boolean cleanStart,
        int protocolVersion,
        long expirySeconds,
        String username,
        Will will,
        Integer maxOnlineMessages,
        Integer maxOfflineMessages,
        boolean upgradeQos) {

    /** Whether the session outlives its connection, and so is written to the stores. */
    public boolean persistent() {
        return expirySeconds != 0;
    }
}
