package io.hookline.broker.testsupport;

import io.hookline.broker.routing.Delivery;
import io.hookline.broker.routing.SubscriberId;
import io.hookline.broker.store.InboundQos2Store;
import io.hookline.broker.store.InflightRecord;
import io.hookline.broker.store.InflightStore;
import io.hookline.broker.store.MemoryStores;
import io.hookline.broker.store.MessageQueue;
import io.hookline.broker.store.QueueStore;
import io.hookline.broker.store.RetainedStore;
import io.hookline.broker.store.SessionStore;
import io.hookline.broker.store.Stores;
import io.hookline.broker.store.SubscriptionStore;
import io.hookline.broker.util.StoreBatch;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Memory stores whose batches commit only when the test says so (while {@link #held}): a commit
 * returns a stage that stays pending until {@link #complete}, {@link #release} or {@link #settle}.
 * The stage completes on the thread that calls those, so dependents run there.
 */
public final class GatedStores implements Stores {
    private final MemoryStores memory = new MemoryStores();
    private final List<CompletableFuture<Void>> commits = new ArrayList<>(); // guarded by this
    private final List<Gate> gates = new ArrayList<>(); // guarded by this; parallel to commits
    public volatile boolean held;
    public volatile boolean durableQueues;
    public volatile int durableAdds;

    public synchronized int pending() {
        return commits.size();
    }

    public synchronized void complete(int index, Throwable error) {
        CompletableFuture<Void> f = commits.get(index);
        if (error == null) {
            f.complete(null);
        } else {
            f.completeExceptionally(error);
        }
    }

    /**
     * The index of the first pending commit whose batch recorded a message sent (an in-flight
     * record), or -1: batches from different connections reach {@link #batch()} in no fixed order.
     */
    public synchronized int indexOfSent() {
        for (int i = 0; i < gates.size(); i++) {
            if (gates.get(i).sent) {
                return i;
            }
        }
        return -1;
    }

    public synchronized void release() {
        commits.forEach(f -> f.complete(null));
    }

    /**
     * Completes every pending commit on the calling thread, those made by what the completions
     * ran too, and forgets them: for a test that drives connections on its own thread (an
     * EmbeddedChannel), so that what waits on a commit runs there, at a point the test chose.
     */
    public void settle() {
        while (true) {
            List<CompletableFuture<Void>> now;
            synchronized (this) {
                if (commits.isEmpty()) {
                    return;
                }
                now = List.copyOf(commits);
                commits.clear();
                gates.clear();
            }
            now.forEach(f -> f.complete(null));
        }
    }

    @Override
    public StoreBatch batch() {
        return new Gate();
    }

    /** One batch: remembers whether an in-flight record was staged in it. */
    private final class Gate implements StoreBatch {
        volatile boolean sent;

        @Override
        public java.util.concurrent.CompletionStage<Void> commit() {
            if (!held) {
                return StoreBatch.DONE;
            }
            CompletableFuture<Void> f = new CompletableFuture<>();
            synchronized (GatedStores.this) {
                commits.add(f);
                gates.add(this);
            }
            return f;
        }
    }

    @Override
    public QueueStore queues() {
        if (!durableQueues) {
            return memory.queues();
        }
        return (id, persistent) -> {
            MessageQueue q = memory.queues().open(id, persistent);
            return persistent ? new DurableLike(q) : q;
        };
    }

    /** A memory queue that says it is durable: the session then sends everything through it. */
    private final class DurableLike implements MessageQueue {
        private final MessageQueue q;

        DurableLike(MessageQueue q) {
            this.q = q;
        }

        @Override
        public void add(Delivery delivery, StoreBatch batch) {
            durableAdds++;
            q.add(delivery, batch);
        }

        @Override
        public Delivery peek() {
            return q.peek();
        }

        @Override
        public Delivery poll(StoreBatch batch) {
            return q.poll(batch);
        }

        @Override
        public int size() {
            return q.size();
        }

        @Override
        public boolean isEmpty() {
            return q.isEmpty();
        }

        @Override
        public void clear(StoreBatch batch) {
            q.clear(batch);
        }

        @Override
        public boolean isDurable() {
            return true;
        }
    }

    @Override
    public SessionStore sessions() {
        return memory.sessions();
    }

    @Override
    public SubscriptionStore subscriptions() {
        return memory.subscriptions();
    }

    @Override
    public InflightStore inflight() {
        InflightStore m = memory.inflight();
        return new InflightStore() {
            @Override
            public void sent(SubscriberId id, int packetId, Delivery delivery, StoreBatch batch) {
                if (batch instanceof Gate g) {
                    g.sent = true;
                }
                m.sent(id, packetId, delivery, batch);
            }

            @Override
            public void released(SubscriberId id, int packetId, StoreBatch batch) {
                m.released(id, packetId, batch);
            }

            @Override
            public void remove(SubscriberId id, int packetId, StoreBatch batch) {
                m.remove(id, packetId, batch);
            }

            @Override
            public void removeAll(SubscriberId id, StoreBatch batch) {
                m.removeAll(id, batch);
            }

            @Override
            public void forEach(SubscriberId id, java.util.function.Consumer<InflightRecord> action) {
                m.forEach(id, action);
            }
        };
    }

    @Override
    public InboundQos2Store inbound() {
        return memory.inbound();
    }

    @Override
    public RetainedStore retained() {
        return memory.retained();
    }

    @Override
    public long highestMessageId() {
        return 0;
    }

    @Override
    public void close() {}
}
