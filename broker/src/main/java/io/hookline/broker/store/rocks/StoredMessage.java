package io.hookline.broker.store.rocks;

import io.hookline.broker.routing.PublishProperties;

/**
 * A message as the store keeps it: everything needed to deliver it again after a restart.
 *
 * @param id               the broker-wide stable message id
 * @param sender           the publisher's subscriber id (mountpoint + client id), null for broker messages
 * @param expiresAtMillis  wall-clock expiry (epoch milliseconds), or 0 for no expiry
 */
public record StoredMessage(long id, String topic, int qos, boolean retain, byte[] payload,
                            PublishProperties properties, String sender, long expiresAtMillis) {
}
