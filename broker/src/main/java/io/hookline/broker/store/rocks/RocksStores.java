package io.hookline.broker.store.rocks;

import io.hookline.broker.config.SyncPolicy;
import io.hookline.broker.routing.Delivery;
import io.hookline.broker.routing.SubscriberId;
import io.hookline.broker.routing.Subscription;
import io.hookline.broker.store.InboundQos2Store;
import io.hookline.broker.store.InflightRecord;
import io.hookline.broker.store.InflightStore;
import io.hookline.broker.store.MemoryMessageQueue;
import io.hookline.broker.store.QueueStore;
import io.hookline.broker.store.SessionRecord;
import io.hookline.broker.store.SessionStore;
import io.hookline.broker.store.Stores;
import io.hookline.broker.store.SubscriptionStore;
import io.hookline.broker.util.StoreBatch;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

/**
 * The durable backend ({@code persistence = on}): every store on one {@link RocksStore}. Staging
 * a write only adds it to the caller's {@link RocksBatch}; nothing touches the disk until the
 * batch is committed, on the store's writer thread. Clean sessions get memory queues and are
 * never written. Thread-safe: the per-store contracts of {@link Stores} hold.
 */
public final class RocksStores implements Stores {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(RocksStores.class);

    private final RocksStore store;
    private final SyncPolicy sync;
    private final Records records;
    private final RocksRetainedStore retained;
    // orders subscriptions and in-flight messages (the key orders differ); rising across restarts
    private final AtomicLong order;
    private final ConcurrentHashMap<SubscriberId, RocksMessageQueue> queues = new ConcurrentHashMap<>();
    // reads queue windows ahead, off the event loops
    private final ExecutorService reader = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "hookline-store-reader");
        t.setDaemon(true);
        return t;
    });

    private final SessionStore sessionStore = new SessionStore() {
        @Override
        public void put(SessionRecord record, StoreBatch batch) {
            stage(batch, w -> w.put(Column.SESSIONS, Keys.subscriber(record.id()), records.encodeSession(record)));
        }

        @Override
        public void remove(SubscriberId id, StoreBatch batch) {
            stage(batch, w -> w.delete(Column.SESSIONS, Keys.subscriber(id)));
        }

        @Override
        public void forEach(Consumer<SessionRecord> action) {
            store.scan(Column.SESSIONS, new byte[0], (key, value) -> {
                action.accept(records.decodeSession(value));
                return true;
            });
        }
    };

    private final SubscriptionStore subscriptionStore = new SubscriptionStore() {
        @Override
        public void put(SubscriberId owner, Subscription s, StoreBatch batch) {
            byte[] key = Keys.subscription(owner, s.shareGroup(), s.filter());
            byte[] value = Records.encodeSubscription(s, order.incrementAndGet());
            stage(batch, w -> w.put(Column.SUBSCRIPTIONS, key, value));
        }

        @Override
        public void remove(SubscriberId owner, String shareGroup, String filter, StoreBatch batch) {
            stage(batch, w -> w.delete(Column.SUBSCRIPTIONS, Keys.subscription(owner, shareGroup, filter)));
        }

        @Override
        public void removeAll(SubscriberId owner, StoreBatch batch) {
            stage(batch, w -> w.deleteSubscriber(Column.SUBSCRIPTIONS, owner));
        }

        @Override
        public void forEach(SubscriberId owner, Consumer<Subscription> action) {
            List<Records.OrderedSubscription> found = new ArrayList<>();
            store.scan(Column.SUBSCRIPTIONS, Keys.subscriber(owner), (key, value) -> {
                found.add(Records.decodeSubscription(owner, value));
                return true;
            });
            found.sort(Comparator.comparingLong(Records.OrderedSubscription::order));
            found.forEach(o -> action.accept(o.subscription()));
        }
    };

    private final QueueStore queueStore = (id, persistent) -> {
        if (!persistent) {
            return new MemoryMessageQueue();
        }
        return queues.compute(id, (key, existing) -> {
            if (existing != null) {
                existing.reopen();
                return existing;
            }
            RocksMessageQueue q = new RocksMessageQueue(this, key);
            q.load();
            return q;
        });
    };

    private final InflightStore inflightStore = new InflightStore() {
        @Override
        public void sent(SubscriberId id, int packetId, Delivery delivery, StoreBatch batch) {
            RocksMessageQueue q = queues.get(id);
            byte[] key = q == null ? Keys.packet(id, packetId) : Keys.packet(q.prefix(), packetId);
            byte[] encoded = q == null ? null : q.encodedIfPolledLast(delivery);
            byte[] value;
            if (encoded != null) { // the queue's record of it, behind the send order: not encoded twice
                value = new byte[8 + encoded.length];
                long o = order.incrementAndGet();
                for (int i = 0; i < 8; i++) {
                    value[i] = (byte) (o >>> (56 - 8 * i));
                }
                System.arraycopy(encoded, 0, value, 8, encoded.length);
            } else {
                Encoder out = new Encoder(Records.sizeHint(delivery) + 8);
                out.i64(order.incrementAndGet());
                records.writeDelivery(out, delivery);
                value = out.toByteArray();
            }
            // No delete of a PUBREL-stage marker of an older use of the id: there is none. A marker
            // is written only for an id in flight (released) and deleted with its record in one
            // batch (remove, or the session's range delete), so it never outlives the use it marks.
            // A blind delete per message was a third of the column's writes.
            stage(batch, w -> w.put(Column.INFLIGHT, key, value));
        }

        @Override
        public void released(SubscriberId id, int packetId, StoreBatch batch) {
            stage(batch, w -> w.put(Column.INFLIGHT, releasedKey(packetKey(id, packetId)), new byte[0]));
        }

        @Override
        public void remove(SubscriberId id, int packetId, StoreBatch batch) {
            remove(id, packetId, true, batch);
        }

        @Override
        public void remove(SubscriberId id, int packetId, boolean released, StoreBatch batch) {
            // point deletes, never DeleteRange per message: a range tombstone per PUBLISH slows
            // RocksDB's reads, flushes and compactions of the column
            byte[] key = packetKey(id, packetId);
            stage(batch, w -> {
                w.delete(Column.INFLIGHT, key);
                if (released) {
                    w.delete(Column.INFLIGHT, releasedKey(key));
                }
            });
        }

        @Override
        public void removeAll(SubscriberId id, StoreBatch batch) {
            stage(batch, w -> w.deleteSubscriber(Column.INFLIGHT, id));
        }

        @Override
        public void forEach(SubscriberId id, Consumer<InflightRecord> action) {
            record Sent(long order, int packetId, Delivery delivery) {}
            List<Sent> sent = new ArrayList<>();
            Set<Integer> releasedIds = new HashSet<>();
            byte[] prefix = Keys.subscriber(id);
            store.scan(Column.INFLIGHT, prefix, (key, value) -> {
                int packetId = Keys.packetIdOf(key);
                if (key.length == prefix.length + 3) {
                    releasedIds.add(packetId);
                } else {
                    Decoder in = new Decoder(value);
                    long o = in.i64("in-flight order");
                    Delivery d = records.readDelivery(in);
                    in.expectEnd("in-flight record");
                    sent.add(new Sent(o, packetId, d));
                }
                return true;
            });
            sent.sort(Comparator.comparingLong(Sent::order));
            for (Sent s : sent) {
                action.accept(new InflightRecord(s.packetId(), s.delivery(), releasedIds.contains(s.packetId())));
            }
        }
    };

    private final InboundQos2Store inboundStore = new InboundQos2Store() {
        @Override
        public void add(SubscriberId id, int packetId, StoreBatch batch) {
            stage(batch, w -> w.put(Column.QOS2_IN, Keys.packet(id, packetId), new byte[0]));
        }

        @Override
        public void remove(SubscriberId id, int packetId, StoreBatch batch) {
            stage(batch, w -> w.delete(Column.QOS2_IN, Keys.packet(id, packetId)));
        }

        @Override
        public void removeAll(SubscriberId id, StoreBatch batch) {
            stage(batch, w -> w.deleteSubscriber(Column.QOS2_IN, id));
        }

        @Override
        public void forEach(SubscriberId id, IntConsumer action) {
            store.scan(Column.QOS2_IN, Keys.subscriber(id), (key, value) -> {
                action.accept(Keys.packetIdOf(key));
                return true;
            });
        }
    };

    private RocksStores(RocksStore store, Clock clock, SyncPolicy sync) {
        this.store = store;
        this.sync = sync;
        this.records = new Records(store.highWater());
        this.order = new AtomicLong(clock.millis() * 1000);
        this.retained = new RocksRetainedStore(this, clock);
    }

    /**
     * Opens the store under {@code dir} and loads the retained messages (dropping expired ones).
     *
     * @throws StoreException LOCKED or DAMAGED: the broker must not start
     */
    public static RocksStores open(Path dir, SyncPolicy sync, Duration syncInterval, Clock clock) {
        RocksStores stores = new RocksStores(RocksStore.open(dir, sync, syncInterval), clock, sync);
        try {
            stores.retained.load();
            stores.dropOrphans();
            return stores;
        } catch (RuntimeException e) {
            stores.close();
            throw e instanceof StoreException se
                    ? se
                    : RocksStore.damaged(stores.directory(), "a record cannot be read: " + e.getMessage(), e);
        }
    }

    // a persistent session's key prefix comes made with its queue (no string work per message)
    private byte[] packetKey(SubscriberId id, int packetId) {
        RocksMessageQueue q = queues.get(id);
        return q == null ? Keys.packet(id, packetId) : Keys.packet(q.prefix(), packetId);
    }

    private static byte[] releasedKey(byte[] packetKey) {
        byte[] key = java.util.Arrays.copyOf(packetKey, packetKey.length + 1);
        key[packetKey.length] = 1;
        return key;
    }

    /**
     * Removes what belongs to no stored session: subscriptions, queue entries, in-flight
     * messages and inbound ids whose session record is gone (a session that ended or became
     * clean just before a crash, its queue's range delete not yet written). One seek per
     * subscriber, before recovery reads anything.
     */
    private void dropOrphans() {
        java.util.Set<java.nio.ByteBuffer> live = new HashSet<>();
        store.scan(Column.SESSIONS, new byte[0], (key, value) -> live.add(java.nio.ByteBuffer.wrap(key)));
        Writes orphans = new Writes();
        int[] count = {0};
        for (Column c : List.of(Column.SUBSCRIPTIONS, Column.QUEUES, Column.INFLIGHT, Column.QOS2_IN)) {
            store.forEachSubscriberPrefix(c, prefix -> {
                if (!live.contains(java.nio.ByteBuffer.wrap(prefix))) {
                    orphans.deleteRange(c, prefix, Keys.end(prefix));
                    count[0]++;
                }
            });
        }
        if (!orphans.isEmpty()) {
            log.info("store {}: removing the leftovers of {} ended session(s)", store.directory(), count[0]);
            try {
                store.write(orphans).get(60, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException e) {
                throw e.getCause() instanceof StoreException se
                        ? se
                        : RocksStore.damaged(store.directory(), "removing leftovers failed: " + e.getCause(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new StoreException(StoreException.Kind.IO, "interrupted while opening the store", e);
            } catch (java.util.concurrent.TimeoutException e) {
                throw new StoreException(StoreException.Kind.IO, "removing leftovers of the store timed out", e);
            }
        }
    }

    /** A queue was cleared: once that is written, forget it unless a new session took it meanwhile. */
    void cleared(SubscriberId id, RocksMessageQueue queue, CompletableFuture<Void> written) {
        // on the reader thread, never inline: the caller holds the queue's monitor
        written.whenCompleteAsync(
                (v, error) -> queues.computeIfPresent(
                        id, (key, current) -> current == queue && queue.isCleared() ? null : current),
                readerOrInline);
    }

    /**
     * Stages writes in the batch; a caller that passed a batch of no store ({@link StoreBatch#NONE}:
     * nobody waits on it) gets them written on their own, a failure logged by the writer.
     */
    void stage(StoreBatch batch, Consumer<Writes> writes) {
        if (batch instanceof RocksBatch rb) {
            writes.accept(rb.writes());
        } else {
            Writes own = new Writes();
            writes.accept(own);
            store.write(own);
        }
    }

    RocksStore store() {
        return store;
    }

    Executor reader() {
        return readerOrInline;
    }

    // once the store is closing the reader takes no more work: the little that is left runs inline
    private final Executor readerOrInline = task -> {
        try {
            reader.execute(task);
        } catch (java.util.concurrent.RejectedExecutionException closing) {
            task.run();
        }
    };

    Records records() {
        return records;
    }

    @Override
    public SessionStore sessions() {
        return sessionStore;
    }

    @Override
    public SubscriptionStore subscriptions() {
        return subscriptionStore;
    }

    @Override
    public QueueStore queues() {
        return queueStore;
    }

    @Override
    public InflightStore inflight() {
        return inflightStore;
    }

    @Override
    public InboundQos2Store inbound() {
        return inboundStore;
    }

    @Override
    public RocksRetainedStore retained() {
        return retained;
    }

    @Override
    public RocksBatch batch() {
        return new RocksBatch(store);
    }

    @Override
    public boolean writesBehind() {
        return store.writesBehind();
    }

    @Override
    public void whenWritesCaughtUp(Runnable resume) {
        store.whenWritesCaughtUp(resume);
    }

    @Override
    public long highestMessageId() {
        return store.highWater().value();
    }

    /** Counters of the write path, for metrics. */
    public StoreStats stats() {
        return store.stats();
    }

    /** Whether the store takes writes, and since when not (a full disk). */
    public StoreHealth.State health() {
        return store.health().state();
    }

    public Path directory() {
        return store.directory();
    }

    public SyncPolicy syncPolicy() {
        return sync;
    }

    /** RocksDB's estimate of the records in a column (cheap; exact after compaction). */
    public long estimatedRecords(Column column) {
        return store.estimateRecords(column);
    }

    /** Bytes of the store's table files on disk. */
    public long diskBytes() {
        return store.diskBytes();
    }

    /** When RocksDB last finished a compaction (epoch millis), 0 for not since the store opened. */
    public long lastCompactionMillis() {
        return store.lastCompactionMillis();
    }

    @Override
    public void close() {
        reader.shutdown();
        try {
            if (!reader.awaitTermination(10, TimeUnit.SECONDS)) {
                reader.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        store.close();
    }
}
