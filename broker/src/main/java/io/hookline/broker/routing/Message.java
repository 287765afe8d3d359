package io.hookline.broker.routing;

import java.nio.charset.StandardCharsets;

/**
 * An application message on its way through the broker. Immutable and shared by every
 * subscriber it is delivered to: the payload array is never mutated after construction, and
 * outgoing PUBLISH packets wrap it without copying.
 *
 * @param senderId        subscriber id of the publisher's session (SessionRegistry.key), for
 *                        no-local; null for broker messages
 * @param expiresAtNanos  {@link System#nanoTime()} deadline after which the message is dropped
 *                        from queues, or 0 for no expiry
 */
public record Message(String topic, int qos, boolean retain, byte[] payload,
                      PublishProperties properties, String senderId, long expiresAtNanos) {

    public static Message of(String topic, int qos, boolean retain, byte[] payload,
                             PublishProperties properties, String senderId) {
        Long expiry = properties.messageExpiryInterval();
        long deadline = 0;
        if (expiry != null) {
            deadline = System.nanoTime() + expiry * 1_000_000_000L;
            if (deadline == 0) {
                deadline = 1; // 0 means "no expiry"
            }
        }
        return new Message(topic, qos, retain, payload, properties, senderId, deadline);
    }

    /** A broker-originated message ($SYS, tests). */
    public static Message text(String topic, String payload, boolean retain) {
        return new Message(topic, 0, retain, payload.getBytes(StandardCharsets.UTF_8),
                PublishProperties.NONE, null, 0);
    }

    public boolean isExpired(long nowNanos) {
        return expiresAtNanos != 0 && nowNanos - expiresAtNanos >= 0;
    }

    /** Seconds left before expiry, rounded up, for the forwarded Message Expiry Interval; -1 without expiry. */
    public long remainingExpirySeconds(long nowNanos) {
        if (expiresAtNanos == 0) {
            return -1;
        }
        long left = expiresAtNanos - nowNanos;
        return left <= 0 ? 0 : (left + 999_999_999L) / 1_000_000_000L;
    }

    public Message withRetain(boolean newRetain) {
        return newRetain == retain ? this
                : new Message(topic, qos, newRetain, payload, properties, senderId, expiresAtNanos);
    }
}
