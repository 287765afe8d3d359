package io.hookline.broker.store;

import io.hookline.broker.routing.Delivery;

/**
 * An outgoing QoS 1/2 message sent and not yet acknowledged, as stored.
 *
 * @param released true once a QoS 2 message got PUBREC and PUBREL was sent: a reconnect then
 *                 resends PUBREL, not the PUBLISH
 */
public record InflightRecord(int packetId, Delivery delivery, boolean released) {}
