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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retained messages cluster-wide: the replicated map {@value #MAP} holds the last retained
 * message of every topic ({@link Frames#encode}, with the node it was published on); a clear is
 * kept as an empty message, so that an old value can never come back after it. Each node copies
 * what other nodes publish into its own {@link RetainedStore}, which subscribers read as on a
 * single broker. A node that joins copies the whole map. Each value carries when it was written
 * ({@link Frames#writtenAt}); a node stores a value only when it is not older than the one it has,
 * so events that come late or out of order (a merge after a netsplit) cannot bring back an older
 * value, and after a netsplit the newer of two writes wins ({@link #mergeFrom}).
 *
 * <p>Threading: {@link #publish} runs on the cluster executor; map events on Hazelcast's event
 * threads; the retained store is thread-safe.
 */
final class RetainedSync {

    static final String MAP = "hookline.retained";
    private static final Logger log = LoggerFactory.getLogger(RetainedSync.class);

    private final ReplicatedMap<String, byte[]> map;
    private volatile UUID self; // a new one after a split-brain merge
    private volatile UUID listener; // the Copy's registration
    private final Map<String, Long> storedAt =
            new ConcurrentHashMap<>(); // topic -> write time of the value stored here
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
        listener = map.addEntryListener(new Copy());
        int n = 0;
        for (Map.Entry<String, byte[]> e : map.entrySet()) {
            n += apply(e.getValue()) ? 1 : 0;
        }
        if (n > 0) {
            log.info("cluster: {} retained messages copied from the cluster", n);
        }
    }

    /** Puts a message retained (or cleared) on this node into the map. */
    void publish(Message message, long writtenAt) {
        try {
            map.put(message.topic(), Frames.encode(self, message, writtenAt));
        } catch (RuntimeException e) {
            log.warn("cluster: retained message on '{}' not shared with the other nodes", message.topic(), e);
        }
    }

    /**
     * A retained message (or a clear) is stored here now, on the publisher's thread: an older
     * value from another node must not replace it. Returns the time to share it with.
     */
    long written(String topic) {
        long at = messages.now();
        storedAt.merge(topic, at, Math::max);
        return at;
    }

    /** This node's copy of the map (a local read): what this side had when a merge began. */
    Map<String, byte[]> snapshot() {
        return new HashMap<>(map);
    }

    /**
     * After a netsplit healed, on a member that never left: the merged side's values
     * ({@code before}) against this member's whole map. For each topic the newer write wins
     * ({@link Frames#writtenAt}, the writing node's clock): the merged side's value is put back
     * when it is newer, or when this side does not have the topic. Returns the values the merged
     * side must copy into its store (this side's newer ones and the topics it lacks). Runs on an
     * executor thread of Hazelcast.
     */
    HealTasks.Merged mergeFrom(Map<String, byte[]> before) {
        int differed = 0;
        int kept = 0;
        int restored = 0;
        List<byte[]> toApply = new ArrayList<>();
        for (Map.Entry<String, byte[]> e : before.entrySet()) {
            byte[] theirs = e.getValue();
            byte[] ours = map.get(e.getKey());
            if (ours == null) {
                map.put(e.getKey(), theirs);
                restored++;
            } else if (!Arrays.equals(ours, theirs)) {
                differed++;
                if (Frames.writtenAt(theirs) > Frames.writtenAt(ours)) {
                    map.put(e.getKey(), theirs);
                    kept++;
                } else {
                    toApply.add(ours);
                }
            }
        }
        for (Map.Entry<String, byte[]> e : map.entrySet()) {
            if (!before.containsKey(e.getKey())) {
                toApply.add(e.getValue());
            }
        }
        return new HealTasks.Merged(differed, kept, restored, toApply);
    }

    /**
     * After a netsplit healed, on the merged node: listens again (a merge may drop a listener)
     * and copies {@code values} (what {@link #mergeFrom} returned) into this node's store.
     *
     * @return how many were copied
     */
    int rejoined(UUID selfId, List<byte[]> values) {
        UUID old = listener;
        listener = map.addEntryListener(new Copy());
        if (old != null) {
            map.removeEntryListener(old);
        }
        self = selfId;
        int copied = 0;
        for (byte[] v : values) {
            copied += apply(v) ? 1 : 0;
        }
        return copied;
    }

    /**
     * After a cluster join: shares the retained messages of this node whose topics the cluster
     * does not have (the cluster's own win). On the cluster executor.
     */
    void offerLocal() {
        int[] n = {0};
        retained.forEach(m -> {
            if (!m.topic().startsWith("$SYS") && m.payload().length > 0 && !map.containsKey(m.topic())) {
                publish(m, written(m.topic()));
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
        long at = Frames.writtenAt(value);
        StoreBatch batch = stores.batch();
        boolean[] newer = {false};
        // per topic, under the map's lock: the newest write stays, whatever order events come in
        storedAt.compute(m.topic(), (topic, stored) -> {
            if (stored != null && stored > at) {
                return stored;
            }
            retained.retain(m, batch);
            newer[0] = true;
            return at;
        });
        if (!newer[0]) {
            return false; // older than what this node has (events of a merge, a late copy)
        }
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
