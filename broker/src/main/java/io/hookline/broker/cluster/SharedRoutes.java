package io.hookline.broker.cluster;

import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.EntryListener;
import com.hazelcast.map.MapEvent;
import com.hazelcast.replicatedmap.ReplicatedMap;
import io.hookline.broker.routing.MatchCollector;
import io.hookline.broker.routing.SharedGroup;
import io.hookline.broker.routing.SubscriberId;
import io.hookline.broker.routing.Subscription;
import io.hookline.broker.routing.SubscriptionOptions;
import io.hookline.broker.routing.SubscriptionTrie;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shared subscription groups of the cluster: how many members each node has in each group.
 * Each node counts its own members per {@code group \0 filter} ({@link RoutedIndex}) and keeps
 * {@code "<member id>\0<group>\0<filter>" -> count} in the replicated map {@value #MAP} (written
 * when the count changes, removed at 0). Every node mirrors the other nodes' entries into a trie
 * (to find the groups matching a topic, no network call) and a count per group and node, which
 * {@link ClusterShared} picks a node by. A dead node's entries are removed by every survivor.
 *
 * <p>Threading: {@link #added}/{@link #removed} run on event loops and never block: the map writes
 * run in order on the cluster executor, queued under the count's lock. Reads are lock-free; map
 * events arrive on Hazelcast's event threads.
 */
final class SharedRoutes {

    static final String MAP = "hookline.shared";
    private static final Logger log = LoggerFactory.getLogger(SharedRoutes.class);
    private static final SubscriptionOptions ANY = SubscriptionOptions.ofQos(0);
    private static final char SEPARATOR = '\0'; // never in a share name or a topic filter (MQTT-1.5.4-2)

    /** A group as the other nodes have it: member counts per node, in node id order. */
    record Remote(String group, String filter, TreeMap<UUID, Integer> members) {
        int total() {
            int n = 0;
            for (int c : members.values()) {
                n += c;
            }
            return n;
        }
    }

    private final Map<String, Integer> counts = new ConcurrentHashMap<>(); // group \0 filter -> members here
    private volatile SubscriptionTrie remote = new SubscriptionTrie(); // subscriber = node id; replaced by stop
    private final Map<String, Map<UUID, Integer>> remoteCounts = new ConcurrentHashMap<>(); // group \0 filter
    private volatile ReplicatedMap<String, Integer> map; // set by start
    private volatile Executor executor;
    private volatile UUID self;

    /** A member of {@code $share/group/filter} was added on this node. */
    void added(String group, String filter) {
        counts.compute(groupKey(group, filter), (k, n) -> {
            int next = n == null ? 1 : n + 1;
            write(k, next);
            return next;
        });
    }

    /** A member of {@code $share/group/filter} was removed on this node. */
    void removed(String group, String filter) {
        counts.computeIfPresent(groupKey(group, filter), (k, n) -> {
            write(k, n - 1);
            return n == 1 ? null : n - 1;
        });
    }

    // under the count's lock: queues the map write in the order of the count's changes
    private void write(String groupKey, int count) {
        Executor e = executor;
        if (e == null) {
            return; // not started: start() puts every counted group
        }
        String key = self + String.valueOf(SEPARATOR) + groupKey;
        e.execute(() -> {
            try {
                if (count > 0) {
                    map.put(key, count);
                } else {
                    map.remove(key);
                }
            } catch (RuntimeException ex) {
                log.warn("cluster: shared group route {} not updated to {} members", printable(groupKey), count, ex);
            }
        });
    }

    /** Joins the table: mirrors the others' groups and publishes this node's. */
    void start(ReplicatedMap<String, Integer> groups, UUID selfId, Executor writer) {
        this.map = groups;
        this.self = selfId;
        groups.addEntryListener(new Mirror());
        for (Map.Entry<String, Integer> e : groups.entrySet()) {
            mirror(e.getKey(), e.getValue());
        }
        this.executor = writer;
        for (Map.Entry<String, Integer> e : counts.entrySet()) {
            String key = selfId + String.valueOf(SEPARATOR) + e.getKey();
            int n = e.getValue();
            writer.execute(() -> groups.put(key, n));
        }
    }

    /**
     * Leaves the table (cluster leave, or before a cluster join): forgets the other nodes' groups
     * and stops writing; this node's counts stay for the next {@link #start}. On the cluster executor.
     */
    void stop() {
        executor = null;
        map = null;
        synchronized (this) {
            remote = new SubscriptionTrie();
            remoteCounts.clear();
        }
    }

    /** Removes every group entry of {@code node} (gone from the cluster); on the cluster executor. */
    void forget(UUID node) {
        ReplicatedMap<String, Integer> m = map;
        if (m == null) {
            return;
        }
        String prefix = node.toString() + SEPARATOR;
        int n = 0;
        for (String key : new ArrayList<>(m.keySet())) {
            if (key.startsWith(prefix)) {
                m.remove(key);
                mirror(key, null);
                n++;
            }
        }
        if (n > 0) {
            log.info("cluster: removed {} shared group routes of node {}", n, node);
        }
    }

    /** The groups on other nodes whose filter matches {@code topic}. */
    List<Remote> match(String topic) {
        List<Remote> out = new ArrayList<>(0);
        remote.match(topic, new MatchCollector() {
            @Override
            public void direct(Subscription s) {}

            @Override
            public void shared(SharedGroup g) {
                Remote r = lookup(g.group(), g.filter());
                if (r != null) {
                    out.add(r);
                }
            }
        });
        return out;
    }

    /** The group {@code $share/group/filter} on other nodes, or null when no other node has members. */
    Remote lookup(String group, String filter) {
        Map<UUID, Integer> nodes = remoteCounts.get(groupKey(group, filter));
        if (nodes == null || nodes.isEmpty()) {
            return null;
        }
        return new Remote(group, filter, new TreeMap<>(nodes));
    }

    /** Whether this node's mirror has members of {@code $share/group/filter} on {@code node}. Any thread. */
    boolean shows(UUID node, String group, String filter) {
        Map<UUID, Integer> nodes = remoteCounts.get(groupKey(group, filter));
        return nodes != null && nodes.containsKey(node);
    }

    /** Members of groups on this node (for tests and status). */
    int localGroups() {
        return counts.size();
    }

    static String groupKey(String group, String filter) {
        return group + SEPARATOR + filter;
    }

    private static String printable(String groupKey) {
        int at = groupKey.indexOf(SEPARATOR);
        return "$share/" + groupKey.substring(0, at) + "/" + groupKey.substring(at + 1);
    }

    // count null: the entry is gone; package-private for tests (the map events call it)
    void mirror(String key, Integer count) {
        int first = key.indexOf(SEPARATOR);
        int second = first < 0 ? -1 : key.indexOf(SEPARATOR, first + 1);
        if (second < 0) {
            return;
        }
        UUID node = UUID.fromString(key.substring(0, first));
        if (node.equals(self)) {
            return;
        }
        String group = key.substring(first + 1, second);
        String filter = key.substring(second + 1);
        String gk = key.substring(first + 1);
        SubscriberId id = SubscriberId.of(node.toString());
        synchronized (this) { // trie and counts change together
            if (count != null && count > 0) {
                remoteCounts.computeIfAbsent(gk, k -> new ConcurrentHashMap<>()).put(node, count);
                remote.add(new Subscription(id, filter, group, ANY, 0));
            } else {
                Map<UUID, Integer> nodes = remoteCounts.get(gk);
                if (nodes != null) {
                    nodes.remove(node);
                    if (nodes.isEmpty()) {
                        remoteCounts.remove(gk);
                    }
                }
                remote.remove(id, group, filter);
            }
        }
    }

    /** Keeps the mirror in step with the map. Runs on Hazelcast's event threads. */
    private final class Mirror implements EntryListener<String, Integer> {
        @Override
        public void entryAdded(EntryEvent<String, Integer> e) {
            mirror(e.getKey(), e.getValue());
        }

        @Override
        public void entryUpdated(EntryEvent<String, Integer> e) {
            mirror(e.getKey(), e.getValue());
        }

        @Override
        public void entryRemoved(EntryEvent<String, Integer> e) {
            mirror(e.getKey(), null);
        }

        @Override
        public void entryEvicted(EntryEvent<String, Integer> e) {
            mirror(e.getKey(), null);
        }

        @Override
        public void entryExpired(EntryEvent<String, Integer> e) {
            mirror(e.getKey(), null);
        }

        @Override
        public void mapCleared(MapEvent e) {
            log.warn("cluster: shared group map cleared by {}", e.getMember());
        }

        @Override
        public void mapEvicted(MapEvent e) {
            log.warn("cluster: shared group map evicted by {}", e.getMember());
        }
    }
}
