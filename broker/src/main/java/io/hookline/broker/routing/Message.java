package io.hookline.broker.routing;

/**
 * An application message on its way through the broker. Immutable and shared by every
 * subscriber it is delivered to: the payload array is never mutated after construction, and
 * outgoing PUBLISH packets wrap it without copying. Made by {@link Messages}, which stamps the
 * id and the expiry instant.
 *
 * @param id               unique on this node across restarts ({@link Messages}); stores key
 *                         a message's body by it, queues refer to it
 * @param sender           the publisher's session, for no-local; null for broker messages
 * @param expiresAtMillis  wall-clock instant (epoch millis) after which the message is dropped
 *                         from queues, or 0 for no expiry: it means the same after a restart
 *                         and on another node
 */
public record Message(
        long id,
        String topic,
        int qos,
        boolean retain,
        byte[] payload,
        PublishProperties properties,
        SubscriberId sender,
        long expiresAtMillis) {

    public boolean isExpired(long nowMillis) {
        return expiresAtMillis != 0 && nowMillis >= expiresAtMillis;
    }

    /** Seconds left before expiry, rounded up, for the forwarded Message Expiry Interval; -1 without expiry. */
    public long remainingExpirySeconds(long nowMillis) {
        if (expiresAtMillis == 0) {
            return -1;
        }
        long left = expiresAtMillis - nowMillis;
        return left <= 0 ? 0 : (left + 999) / 1000;
    }

    public Message withRetain(boolean newRetain) {
        return newRetain == retain
                ? this
                : new Message(id, topic, qos, newRetain, payload, properties, sender, expiresAtMillis);
    }

    /** The same message from another sender (a will, published under its session's id). */
    public Message withSender(SubscriberId newSender) {
        return new Message(id, topic, qos, retain, payload, properties, newSender, expiresAtMillis);
    }
}
