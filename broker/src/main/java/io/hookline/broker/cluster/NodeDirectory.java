package io.hookline.broker.cluster;

import com.hazelcast.replicatedmap.ReplicatedMap;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where each node takes MQTT clients and how loaded it is: the replicated map {@value #MAP} holds
 * {@code node name → member id \t MQTT address \t connected clients}, written by each node for
 * itself (no write conflicts) about once a second when a figure changed. Offloading and
 * {@code session disconnect --redirect} read it locally, without a network call. Entries of
 * members that are gone are ignored (and removed by the survivors with their routes).
 *
 * <p>Threading: {@link #update} and {@link #forget} run on the cluster executor; the reads are
 * lock-free over the replicated map's local copy.
 */
final class NodeDirectory {

    static final String MAP = "hookline.nodes";
    private static final Logger log = LoggerFactory.getLogger(NodeDirectory.class);

    /** One node as the directory knows it. */
    record Entry(String node, UUID member, String mqtt, int connections) {}

    private volatile ReplicatedMap<String, String> map; // null while this node is not in a cluster
    private volatile UUID self;
    private String last; // what this node wrote last; cluster executor only

    void start(ReplicatedMap<String, String> nodes, UUID selfId) {
        this.self = selfId;
        this.last = null;
        this.map = nodes;
    }

    void stop() {
        map = null;
    }

    /** Writes this node's line when it changed. On the cluster executor. */
    void update(String node, String mqtt, int connections) {
        ReplicatedMap<String, String> m = map;
        UUID id = self;
        if (m == null || mqtt == null) {
            return;
        }
        String line = id + "\t" + mqtt + "\t" + connections;
        if (line.equals(last)) {
            return;
        }
        try {
            m.put(node, line);
            last = line;
        } catch (RuntimeException e) {
            log.debug("cluster: node directory not updated", e);
        }
    }

    /** Removes the line of a member that left. On the cluster executor. */
    void forget(UUID member) {
        ReplicatedMap<String, String> m = map;
        if (m == null) {
            return;
        }
        for (Map.Entry<String, String> e : new HashMap<>(m).entrySet()) {
            Entry parsed = parse(e.getKey(), e.getValue());
            if (parsed != null && parsed.member().equals(member)) {
                m.remove(e.getKey(), e.getValue());
            }
        }
    }

    /** The live node called {@code node}, or null. */
    Entry find(String node, Predicate<UUID> live) {
        ReplicatedMap<String, String> m = map;
        if (m == null) {
            return null;
        }
        String line = m.get(node);
        Entry e = line == null ? null : parse(node, line);
        return e != null && live.test(e.member()) ? e : null;
    }

    /** The live node other than this one with the fewest connected clients, or null. */
    Entry leastLoaded(Predicate<UUID> live) {
        ReplicatedMap<String, String> m = map;
        if (m == null) {
            return null;
        }
        Entry best = null;
        for (Map.Entry<String, String> e : m.entrySet()) {
            Entry x = parse(e.getKey(), e.getValue());
            if (x == null || x.member().equals(self) || !live.test(x.member())) {
                continue;
            }
            if (best == null
                    || x.connections() < best.connections()
                    || (x.connections() == best.connections() && x.node().compareTo(best.node()) < 0)) {
                best = x;
            }
        }
        return best;
    }

    private static Entry parse(String node, String line) {
        String[] parts = line.split("\t", -1);
        if (parts.length != 3) {
            return null;
        }
        try {
            return new Entry(node, UUID.fromString(parts[0]), parts[1], Integer.parseInt(parts[2]));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
