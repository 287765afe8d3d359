package io.hookline.broker.store;

import io.hookline.broker.routing.Delivery;
import io.hookline.broker.routing.SubscriberId;
import io.hookline.broker.util.StoreBatch;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

/**
 * The memory backend: nothing survives the process. Session records, subscriptions and queues
 * of persistent sessions are kept by subscriber id (so recovery from the same stores, in tests,
 * brings them back); in-flight messages and inbound QoS 2 ids are kept only by their sessions
 * (the memory journals below record nothing: they would copy, per message, what the session
 * already holds). Every batch is {@link StoreBatch#NONE}. Thread-safe.
 */
public final class MemoryStores implements Stores {

    private final MemorySessionStore sessions = new MemorySessionStore();
    private final MemorySubscriptionStore subscriptions = new MemorySubscriptionStore();
    private final MemoryQueueStore queues = new MemoryQueueStore();

    private final MemoryRetainedStore retained = new MemoryRetainedStore();

    @Override
    public MemorySessionStore sessions() {
        return sessions;
    }

    @Override
    public MemorySubscriptionStore subscriptions() {
        return subscriptions;
    }

    @Override
    public MemoryQueueStore queues() {
        return queues;
    }

    @Override
    public InflightStore inflight() {
        return NO_INFLIGHT;
    }

    @Override
    public InboundQos2Store inbound() {
        return NO_INBOUND;
    }

    @Override
    public MemoryRetainedStore retained() {
        return retained;
    }

    @Override
    public StoreBatch batch() {
        return StoreBatch.NONE;
    }

    @Override
    public long highestMessageId() {
        return 0;
    }

    @Override
    public void close() {
        // nothing held outside the heap
    }

    /** In memory the session's inflight window is the only copy worth having. */
    private static final InflightStore NO_INFLIGHT = new InflightStore() {
        @Override
        public void sent(SubscriberId id, int packetId, Delivery delivery, StoreBatch batch) {}

        @Override
        public void released(SubscriberId id, int packetId, StoreBatch batch) {}

        @Override
        public void remove(SubscriberId id, int packetId, StoreBatch batch) {}

        @Override
        public void removeAll(SubscriberId id, StoreBatch batch) {}

        @Override
        public void forEach(SubscriberId id, Consumer<InflightRecord> action) {}
    };

    /** In memory the session's set of ids awaiting PUBREL is the only copy worth having. */
    private static final InboundQos2Store NO_INBOUND = new InboundQos2Store() {
        @Override
        public void add(SubscriberId id, int packetId, StoreBatch batch) {}

        @Override
        public void remove(SubscriberId id, int packetId, StoreBatch batch) {}

        @Override
        public void removeAll(SubscriberId id, StoreBatch batch) {}

        @Override
        public void forEach(SubscriberId id, IntConsumer action) {}
    };
}
