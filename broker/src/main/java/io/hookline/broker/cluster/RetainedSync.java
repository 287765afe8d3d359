package io.hookline.broker.cluster;

import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.EntryListener;
import com.hazelcast.map.MapEvent;
import com.hazelcast.replicatedmap.ReplicatedMap;
import io.hookline.broker.routing.Message;
import io.hookline.broker.routing.Messages;
import io.hookline.broker.store.RetainedStore;
import io.hookline.broker.store.Stores;
import io.hookline.broker.util.StoreBatch;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retained messages cluster-wide: the replicated map {@value #MAP} holds the last retained
 * message of every topic ({@link Frames#encode}, with the node it was published on); a clear is
 * kept as an empty message, so that an old value can never come back after it. Each node copies
 * what other nodes publish into its own {@link RetainedStore}, which subscribers read as on a
 * single broker. A node that joins copies the whole map.
 *
 * <p>Threading: {@link #publish} runs on the cluster executor; map events on Hazelcast's event
 * threads; the retained store is thread-safe.
 */
final class RetainedSync {

    static final String MAP = "hookline.retained";
    private static final Logger log = LoggerFactory.getLogger(RetainedSync.class);

    private final ReplicatedMap<String, byte[]> map;
    private final UUID self;
    private final RetainedStore retained;
    private final Stores stores;
    private final Messages messages;

    RetainedSync(
            ReplicatedMap<String, byte[]> map, UUID self, RetainedStore retained, Stores stores, Messages messages) {
        this.map = map;
        this.self = self;
        this.retained = retained;
        this.stores = stores;
        this.messages = messages;
    }

    void start() {
        map.addEntryListener(new Copy());
        int n = 0;
        for (Map.Entry<String, byte[]> e : map.entrySet()) {
            n += apply(e.getValue()) ? 1 : 0;
        }
        if (n > 0) {
            log.info("cluster: {} retained messages copied from the cluster", n);
        }
    }

    /** Puts a message retained (or cleared) on this node into the map. */
    void publish(Message message) {
        try {
            map.put(message.topic(), Frames.encode(self, message));
        } catch (RuntimeException e) {
            log.warn("cluster: retained message on '{}' not shared with the other nodes", message.topic(), e);
        }
    }

    /**
     * After a cluster join: shares the retained messages of this node whose topics the cluster
     * does not have (the cluster's own win). On the cluster executor.
     */
    void offerLocal() {
        int[] n = {0};
        retained.forEach(m -> {
            if (!m.topic().startsWith("$SYS") && m.payload().length > 0 && !map.containsKey(m.topic())) {
                publish(m);
                n[0]++;
            }
        });
        if (n[0] > 0) {
            log.info("cluster: {} retained messages of this node shared with the cluster it joined", n[0]);
        }
    }

    /** Stores another node's retained message here; false for this node's own. */
    private boolean apply(byte[] value) {
        UUID[] origin = new UUID[1];
        Message m = Frames.decode(value, messages.nextId(), origin);
        if (self.equals(origin[0])) {
            return false;
        }
        StoreBatch batch = stores.batch();
        retained.retain(m, batch);
        batch.commit().whenComplete((ok, failure) -> {
            if (failure != null) {
                log.error("cluster: retained message on '{}' from node {} not stored", m.topic(), origin[0], failure);
            }
        });
        return true;
    }

    private final class Copy implements EntryListener<String, byte[]> {
        @Override
        public void entryAdded(EntryEvent<String, byte[]> e) {
            apply(e.getValue());
        }

        @Override
        public void entryUpdated(EntryEvent<String, byte[]> e) {
            apply(e.getValue());
        }

        @Override
        public void entryRemoved(EntryEvent<String, byte[]> e) {}

        @Override
        public void entryEvicted(EntryEvent<String, byte[]> e) {}

        @Override
        public void entryExpired(EntryEvent<String, byte[]> e) {}

        @Override
        public void mapCleared(MapEvent e) {}

        @Override
        public void mapEvicted(MapEvent e) {}
    }
}
