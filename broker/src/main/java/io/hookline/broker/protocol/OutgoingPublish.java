package io.hookline.broker.protocol;

import io.hookline.broker.routing.Delivery;

/**
 * A PUBLISH on its way to one client, encoded by {@link PublishEncoder} straight from the
 * shared message (no Netty message objects, no payload copy).
 *
 * @param topic            the topic as this client sees it (without its listener's mountpoint)
 * @param packetId         0 for QoS 0
 * @param mqtt5            whether to encode MQTT 5 properties
 * @param remainingExpiry  seconds left of the message expiry interval, -1 when none
 */
record OutgoingPublish(Delivery delivery, String topic, int packetId, boolean dup, boolean mqtt5, long remainingExpiry) {
}
