package io.hookline.broker.store;

import io.hookline.broker.routing.SubscriberId;
import io.hookline.broker.util.StoreBatch;
import java.util.function.IntConsumer;

/**
 * Persistent sessions' inbound QoS 2 packet ids: PUBLISH received and PUBREC sent, PUBREL not
 * yet received. Kept so exactly-once holds across a restart: a resent PUBLISH with such an id
 * is acknowledged, not routed again. The id is added in the batch of the message's own routing
 * effects, and removed before PUBCOMP is sent. The session's own set is the in-memory copy:
 * the memory implementation keeps nothing.
 *
 * <p>Threading: called by the owning session under its monitor, on its connection's event
 * loop (or by the registry when the session ends); staging must not block. {@link #forEach}
 * runs at recovery, before listeners open: it may block.
 */
public interface InboundQos2Store {

    void add(SubscriberId id, int packetId, StoreBatch batch);

    void remove(SubscriberId id, int packetId, StoreBatch batch);

    /** The session ended. */
    void removeAll(SubscriberId id, StoreBatch batch);

    void forEach(SubscriberId id, IntConsumer action);
}
