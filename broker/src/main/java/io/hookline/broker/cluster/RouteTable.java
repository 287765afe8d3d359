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
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which nodes have subscribers for which filters, cluster-wide. Each node counts its own direct
 * subscriptions per filter ({@link RoutedIndex}); the first one of a filter puts
 * {@code "<member id>\0<filter>"} into the replicated map {@value #MAP}, the last one removes it.
 * Every node mirrors the other nodes' entries into a local trie whose "subscribers" are node ids,
 * so a publish asks {@link #nodesFor} without a network call. A dead node's entries are removed
 * by every survivor ({@link #forget}); removal is idempotent.
 *
 * <p>Threading: {@link #added}/{@link #removed} run on event loops and never block: the map
 * writes run in order on the cluster executor, queued under the count's lock so that a filter's
 * add and remove reach the map in the order they happened. {@link #nodesFor} is lock-free.
 * Map events arrive on Hazelcast's event threads.
 */
public final class RouteTable {

    static final String MAP = "hookline.routes";
    private static final Logger log = LoggerFactory.getLogger(RouteTable.class);
    private static final SubscriptionOptions ANY = SubscriptionOptions.ofQos(0);
    private static final char SEPARATOR = '\0'; // never in a topic filter (MQTT-4.7.3-2)

    private final Map<String, Integer> counts = new ConcurrentHashMap<>();
    private volatile SubscriptionTrie remote = new SubscriptionTrie(); // replaced when the node leaves
    private final Map<UUID, Integer> remoteCounts = new ConcurrentHashMap<>();
    private final Set<String> mirrored = ConcurrentHashMap.newKeySet(); // the map keys in the trie
    private volatile UUID listener; // the Mirror's registration
    private final SharedRoutes shared = new SharedRoutes(); // the shared groups' routes, a table of their own
    private volatile ReplicatedMap<String, String> map; // set by start
    private volatile Executor executor;
    private volatile UUID self;

    /** An empty table; {@link RoutedIndex} counts into it, the cluster node starts it. */
    public RouteTable() {}

    /** The shared subscription groups' routes (member counts per node). */
    SharedRoutes shared() {
        return shared;
    }

    /** A direct subscription to {@code filter} was added on this node. */
    void added(String filter) {
        counts.compute(filter, (f, n) -> {
            if (n == null) {
                write(f, true);
                return 1;
            }
            return n + 1;
        });
    }

    /** A direct subscription to {@code filter} was removed on this node. */
    void removed(String filter) {
        counts.computeIfPresent(filter, (f, n) -> {
            if (n == 1) {
                write(f, false);
                return null;
            }
            return n - 1;
        });
    }

    // under the count's lock: queues the map write in the order of the count's changes
    private void write(String filter, boolean add) {
        Executor e = executor;
        if (e == null) {
            return; // not started: start() puts every counted filter
        }
        String key = key(self, filter);
        e.execute(() -> {
            ReplicatedMap<String, String> m = map;
            if (m == null) {
                return; // the node left: a join puts every counted filter
            }
            try {
                if (add) {
                    m.put(key, filter);
                } else {
                    m.remove(key);
                }
            } catch (RuntimeException ex) {
                log.warn(
                        "cluster: route {} of filter '{}' not {}",
                        add ? "add" : "removal",
                        filter,
                        add ? "added" : "removed",
                        ex);
            }
        });
    }

    /** Joins the table: mirrors the others' routes and publishes this node's. */
    void start(ReplicatedMap<String, String> routes, UUID selfId, Executor writer) {
        this.map = routes;
        this.self = selfId;
        listener = routes.addEntryListener(new Mirror());
        for (Map.Entry<String, String> e : routes.entrySet()) {
            mirror(e.getKey(), true);
        }
        // publish what was counted before the start (recovered sessions), then go live
        this.executor = writer;
        for (String filter : counts.keySet()) {
            String key = key(selfId, filter);
            writer.execute(() -> routes.put(key, filter));
        }
    }

    /**
     * Leaves the table (cluster leave, or before a cluster join): forgets the other nodes' routes
     * and stops writing; this node's counts stay for the next {@link #start}. On the cluster executor.
     */
    void stop() {
        executor = null;
        map = null;
        remote = new SubscriptionTrie();
        remoteCounts.clear();
    }

    /** Removes every route of {@code node} (gone from the cluster); runs on the cluster executor. */
    void forget(UUID node) {
        ReplicatedMap<String, String> map = this.map;
        if (map == null) {
            return;
        }
        String prefix = node.toString() + SEPARATOR;
        int n = 0;
        for (String key : new ArrayList<>(map.keySet())) {
            if (key.startsWith(prefix)) {
                map.remove(key);
                mirror(key, false);
                n++;
            }
        }
        if (n > 0) {
            log.info("cluster: removed {} routes of node {}", n, node);
        }
    }

    /**
     * After a netsplit healed (this node merged into the other side; its member id may be new):
     * puts every filter counted here under {@code selfId}, removes the entries of nodes that are
     * not {@code members} (this node's old id, nodes lost during the split) and brings the trie
     * in step with the map. Runs on the cluster executor.
     *
     * @return {published, removed, mirror changes}
     */
    int[] reconcile(UUID selfId, Set<UUID> members) {
        ReplicatedMap<String, String> routes = map;
        UUID old = listener;
        listener = routes.addEntryListener(new Mirror()); // a merge may have dropped the old registration
        if (old != null) {
            routes.removeEntryListener(old);
        }
        this.self = selfId;
        int published = 0;
        for (String filter : counts.keySet()) {
            String key = key(selfId, filter);
            if (!filter.equals(routes.get(key))) {
                routes.put(key, filter);
                published++;
            }
        }
        int removed = 0;
        Set<String> wanted = new HashSet<>();
        for (String key : new ArrayList<>(routes.keySet())) {
            UUID node = nodeOf(key);
            boolean own = selfId.equals(node);
            if (node == null
                    || !members.contains(node)
                    || own && !counts.containsKey(key.substring(key.indexOf(SEPARATOR) + 1))) {
                routes.remove(key);
                removed++;
            } else if (!own) {
                wanted.add(key);
            }
        }
        int changed = 0;
        for (String key : new ArrayList<>(mirrored)) {
            if (!wanted.contains(key)) {
                mirror(key, false);
                changed++;
            }
        }
        for (String key : wanted) {
            if (!mirrored.contains(key)) {
                mirror(key, true);
                changed++;
            }
        }
        return new int[] {published, removed, changed};
    }

    /** The filters this node has subscribers for. */
    List<String> ownFilters() {
        return new ArrayList<>(counts.keySet());
    }

    /** Mirrors {@code filters} of {@code node} (as that node answered after a heal); returns how many were new. */
    int mirrorNode(UUID node, List<String> filters) {
        int added = 0;
        for (String filter : filters) {
            String key = key(node, filter);
            if (!mirrored.contains(key)) {
                mirror(key, true);
                added++;
            }
        }
        return added;
    }

    private static UUID nodeOf(String key) {
        int at = key.indexOf(SEPARATOR);
        try {
            return at < 0 ? null : UUID.fromString(key.substring(0, at));
        } catch (IllegalArgumentException e) {
            return null; // not a key of ours: removed
        }
    }

    /** The other nodes with a subscriber whose filter matches {@code topic}; empty when none. */
    List<UUID> nodesFor(String topic) {
        Collect c = new Collect();
        remote.match(topic, c);
        return c.nodes;
    }

    /** Filters subscribed on this node. */
    int localFilters() {
        return counts.size();
    }

    /** Filters of each other node as this node sees them (the mirror). */
    Map<UUID, Integer> remoteFilters() {
        return new HashMap<>(remoteCounts);
    }

    private static String key(UUID node, String filter) {
        return node.toString() + SEPARATOR + filter;
    }

    private void mirror(String key, boolean add) {
        int at = key.indexOf(SEPARATOR);
        if (at < 0) {
            return;
        }
        String node = key.substring(0, at);
        UUID id = UUID.fromString(node);
        if (id.equals(self)) {
            return;
        }
        String filter = key.substring(at + 1);
        if (add) {
            if (remote.add(new Subscription(SubscriberId.of(node), filter, null, ANY, 0)) == null) {
                remoteCounts.merge(id, 1, Integer::sum);
            }
            mirrored.add(key);
        } else {
            if (remote.remove(SubscriberId.of(node), null, filter) != null) {
                remoteCounts.computeIfPresent(id, (k, n) -> n == 1 ? null : n - 1);
            }
            mirrored.remove(key);
        }
    }

    /** Distinct node ids of the matches. Confined to the matching thread. */
    private static final class Collect implements MatchCollector {
        List<UUID> nodes = List.of();
        private String last;

        @Override
        public void direct(Subscription s) {
            String node = s.subscriber().clientId();
            if (node.equals(last)) {
                return;
            }
            UUID id = UUID.fromString(node);
            if (nodes.isEmpty()) {
                nodes = new ArrayList<>(2);
            } else if (nodes.contains(id)) {
                return;
            }
            nodes.add(id);
            last = node;
        }

        @Override
        public void shared(SharedGroup group) {
            // shared subscriptions are never in the route table
        }
    }

    /** Keeps the trie in step with the map. Runs on Hazelcast's event threads. */
    private final class Mirror implements EntryListener<String, String> {
        @Override
        public void entryAdded(EntryEvent<String, String> e) {
            mirror(e.getKey(), true);
        }

        @Override
        public void entryUpdated(EntryEvent<String, String> e) {
            mirror(e.getKey(), true);
        }

        @Override
        public void entryRemoved(EntryEvent<String, String> e) {
            mirror(e.getKey(), false);
        }

        @Override
        public void entryEvicted(EntryEvent<String, String> e) {
            mirror(e.getKey(), false);
        }

        @Override
        public void entryExpired(EntryEvent<String, String> e) {
            mirror(e.getKey(), false);
        }

        @Override
        public void mapCleared(MapEvent e) {
            log.warn("cluster: route map cleared by {}", e.getMember());
        }

        @Override
        public void mapEvicted(MapEvent e) {
            log.warn("cluster: route map evicted by {}", e.getMember());
        }
    }
}
