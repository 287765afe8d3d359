package io.hookline.broker.routing;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Makes messages: stamps each with the next id and its expiry instant from the injected clock.
 *
 * <p>Ids are unique on this node across restarts without a write per message: the generator
 * starts at the start time in epoch millis shifted left by 20 bits (room for a million ids per
 * millisecond of uptime before it could reach the next start's first id), or above the highest
 * id the store holds if that is higher (a clock set back). Millis fit in the upper 43 bits
 * until the year 2248. A cluster tells nodes' messages apart by node and id.
 *
 * <p>Thread-safe: one atomic counter.
 */
public final class Messages {

    private static final int SEQUENCE_BITS = 20;

    private final Clock clock;
    private final AtomicLong lastId;

    /** @param highestStoredId the highest message id the stores hold, 0 when none */
    public Messages(Clock clock, long highestStoredId) {
        this.clock = clock;
        this.lastId = new AtomicLong(Math.max(clock.millis() << SEQUENCE_BITS, highestStoredId));
    }

    /** Messages with ids unique only to this instance: for tests and tools, never for a broker's stores. */
    public static Messages forTests() {
        return new Messages(Clock.systemUTC(), 0);
    }

    public long nextId() {
        return lastId.incrementAndGet();
    }

    /** Now, in epoch millis, as message expiry counts it. */
    public long now() {
        return clock.millis();
    }

    public Clock clock() {
        return clock;
    }

    /** A new message; its Message Expiry Interval (if any) starts now. */
    public Message create(
            String topic, int qos, boolean retain, byte[] payload, PublishProperties properties, SubscriberId sender) {
        return new Message(
                nextId(),
                topic,
                qos,
                retain,
                payload,
                properties,
                sender,
                expiresAt(properties.messageExpiryInterval()));
    }

    /** A broker-originated message ($SYS, tests): QoS 0, no properties, no expiry. */
    public Message text(String topic, String payload, boolean retain) {
        return new Message(
                nextId(), topic, 0, retain, payload.getBytes(StandardCharsets.UTF_8), PublishProperties.NONE, null, 0);
    }

    /** The expiry instant of an interval that starts now: 0 for none. */
    public long expiresAt(Long intervalSeconds) {
        if (intervalSeconds == null) {
            return 0;
        }
        long at = clock.millis() + intervalSeconds * 1000;
        return at == 0 ? 1 : at; // 0 means "no expiry"
    }
}
