package io.hookline.broker.protocol;

import io.hookline.broker.routing.Delivery;

/**
 * A PUBLISH on its way to one client, encoded by {@link PublishEncoder} straight from the
 * shared message (no Netty message objects, no payload copy).
 *
 * @param topic            the topic as this client sees it (without its listener's mountpoint);
 *                         empty when {@code topicAlias} alone names it
 * @param packetId         0 for QoS 0
 * @param mqtt5            whether to encode MQTT 5 properties
 * @param remainingExpiry  seconds left of the message expiry interval, -1 when none
 * @param topicAlias       the MQTT 5 Topic Alias to send, 0 for none ({@link OutboundAliases})
 */
record OutgoingPublish(
        Delivery delivery,
        String topic,
        int packetId,
        boolean dup,
        boolean mqtt5,
        long remainingExpiry,
        int topicAlias) {

    /** Without a topic alias. */
    OutgoingPublish(Delivery delivery, String topic, int packetId, boolean dup, boolean mqtt5, long remainingExpiry) {
        this(delivery, topic, packetId, dup, mqtt5, remainingExpiry, 0);
    }
}
