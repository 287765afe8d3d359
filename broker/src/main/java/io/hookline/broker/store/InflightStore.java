package io.hookline.broker.store;

import io.hookline.broker.routing.Delivery;
import io.hookline.broker.routing.SubscriberId;
import io.hookline.broker.util.StoreBatch;
import java.util.function.Consumer;

/**
 * Persistent sessions' outgoing QoS 1/2 messages in flight (sent, not yet acknowledged), by
 * packet id, with their PUBREL stage, so that a restart resends them with DUP (or resends the
 * PUBREL). The session's own window is the in-memory copy: the memory implementation keeps
 * nothing.
 *
 * <p>Threading: called by the owning session under its monitor, on its connection's event
 * loop (or by the registry when the session ends); staging must not block. {@link #forEach}
 * runs at recovery, before listeners open: it may block.
 */
public interface InflightStore {

    /** A message left the queue with {@code packetId} (same batch as the queue's poll). */
    void sent(SubscriberId id, int packetId, Delivery delivery, StoreBatch batch);

    /** PUBREC arrived for a QoS 2 message and PUBREL went out. */
    void released(SubscriberId id, int packetId, StoreBatch batch);

    /** The exchange is over: PUBACK, PUBCOMP, an error PUBREC, or the message was dropped. */
    void remove(SubscriberId id, int packetId, StoreBatch batch);

    /**
     * As {@link #remove(SubscriberId, int, StoreBatch)}, told whether this use of the id reached
     * its PUBREL stage ({@link #released}): when it did not (QoS 1, or QoS 2 before PUBREC) a
     * durable store has no stage record to delete and writes one delete instead of two.
     */
    default void remove(SubscriberId id, int packetId, boolean released, StoreBatch batch) {
        remove(id, packetId, batch);
    }

    /** The session ended. */
    void removeAll(SubscriberId id, StoreBatch batch);

    /** The session's messages in flight, in the order they were sent. */
    void forEach(SubscriberId id, Consumer<InflightRecord> action);
}
