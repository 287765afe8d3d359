package io.hookline.broker.cluster;

import io.hookline.broker.config.ClusterConfig;
import io.hookline.broker.routing.NetsplitGate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether this node is in a netsplit, as docs/cluster.md ("Netsplits") defines it, and what it
 * refuses meanwhile ({@link NetsplitGate}).
 *
 * <p>The <em>known</em> nodes are every node this one has seen as a member since it started
 * (the members it found when it joined, and every node that joined later), minus the nodes that
 * said goodbye before leaving (a stop, {@code cluster leave}) and those {@link #forget forgotten}.
 * A known node that is no longer a member left without a goodbye: it crashed or is cut off, and
 * this node cannot tell which. The node holds the <em>quorum</em> when it reaches enough of the
 * known nodes ({@code cluster.netsplit.quorum}); without it the node is <em>in a netsplit</em>
 * and refuses what the {@code allow_*_during_netsplit} keys do not allow.
 *
 * <p>Threading: membership events arrive on Hazelcast's event threads and the cluster executor,
 * under this object's lock; {@link #refusal} (every CONNECT, PUBLISH and SUBSCRIBE on an event
 * loop) reads one volatile field.
 */
final class Netsplit implements NetsplitGate {

    private static final Logger log = LoggerFactory.getLogger(Netsplit.class);

    private volatile NetsplitSettings settings; // the allow_* keys are live
    private final String self;
    private final Set<String> known = new TreeSet<>();
    private final Set<String> reachable = new TreeSet<>();
    private final Set<String> leaving = new HashSet<>();
    private final Map<String, Long> lostAt = new TreeMap<>(); // known, unreachable, since (epoch millis)
    private long splitSince; // when the quorum was lost; 0 while held
    private volatile String refusing; // null while the quorum is held; else the reason a client is told

    Netsplit(NetsplitSettings settings, String self) {
        this.settings = settings;
        this.self = self;
    }

    /**
     * Whether {@code reachable} of {@code known} nodes (both sets of names, reachable a subset)
     * make a quorum: {@link ClusterConfig#QUORUM_MAJORITY} more than half, or exactly half when
     * it holds the known node whose name sorts first (so that of two halves exactly one serves);
     * {@link ClusterConfig#QUORUM_ALL} every known node; otherwise at least that many nodes.
     */
    static boolean hasQuorum(int quorum, Set<String> known, Set<String> reachable) {
        int k = known.size();
        int r = reachable.size();
        if (quorum == ClusterConfig.QUORUM_ALL) {
            return r >= k;
        }
        if (quorum != ClusterConfig.QUORUM_MAJORITY) {
            return r >= quorum;
        }
        if (2 * r != k) {
            return 2 * r > k;
        }
        String first = known.stream().sorted().findFirst().orElse(null);
        return first != null && reachable.contains(first);
    }

    /** The members this node found when it started (its own name among them). */
    synchronized void start(Collection<String> members) {
        known.addAll(members);
        reachable.addAll(members);
        update(null);
    }

    /** This node left its cluster on purpose ({@code cluster leave}): it alone is known now. */
    synchronized void alone() {
        known.clear();
        reachable.clear();
        leaving.clear();
        lostAt.clear();
        known.add(self);
        reachable.add(self);
        update(null);
    }

    /** A node joined (or came back). */
    synchronized void joined(String node, String address) {
        boolean back = lostAt.containsKey(node);
        long since = back ? lostAt.remove(node) : 0;
        known.add(node);
        reachable.add(node);
        leaving.remove(node);
        if (back) {
            log.info(
                    "cluster: node '{}' ({}) reachable again after {} s; {}",
                    node,
                    address,
                    seconds(System.currentTimeMillis() - since),
                    view());
        }
        update(node);
    }

    /** A node is no longer a member: it said goodbye (left), or it crashed or is cut off. */
    synchronized void left(String node, String address) {
        reachable.remove(node);
        if (leaving.remove(node) || !known.contains(node)) {
            known.remove(node);
            log.info("cluster: node '{}' ({}) left the cluster; {}", node, address, view());
            update(null);
            return;
        }
        lostAt.put(node, System.currentTimeMillis());
        log.warn(
                "cluster: lost contact with node '{}' ({}) without a goodbye: it crashed or is cut off"
                        + " (netsplit); {}",
                node,
                address,
                view());
        update(null);
    }

    /** {@code node} is about to leave on purpose: its departure does not count against the quorum. */
    synchronized void goodbye(String node) {
        if (reachable.contains(node)) {
            leaving.add(node);
        } else if (known.remove(node)) { // the goodbye came after the member was gone
            lostAt.remove(node);
            log.info("cluster: node '{}' said goodbye: it left; {}", node, view());
            update(null);
        }
    }

    /** An administrator removed {@code node} for good (it will not come back): no longer known. */
    synchronized boolean forget(String node) {
        if (node.equals(self) || reachable.contains(node) || !known.remove(node)) {
            return false;
        }
        lostAt.remove(node);
        log.info("cluster: node '{}' forgotten; {}", node, view());
        update(null);
        return true;
    }

    /**
     * After a split-brain merge this node is a member of the healed cluster: {@code members} are
     * reachable again; known nodes still missing stay unreachable.
     */
    synchronized void merged(Collection<String> members) {
        for (String m : members) {
            if (!reachable.contains(m)) {
                joined(m, "merged");
            }
        }
        reachable.retainAll(members);
        for (String k : known) {
            if (!reachable.contains(k)) {
                lostAt.putIfAbsent(k, System.currentTimeMillis());
            }
        }
        update(null);
    }

    /** The allow_*_during_netsplit keys changed at run time ({@code config set}). */
    synchronized void reconfigure(NetsplitSettings changed) {
        List<String> before = refused();
        settings = changed;
        if (refusing != null && !before.equals(refused())) {
            log.warn(
                    "cluster: still in a netsplit; now {}",
                    refused().isEmpty() ? "serving as an island" : "refusing " + String.join(", ", refused()));
        }
    }

    @Override
    public String refusal(Action action) {
        String why = refusing;
        if (why == null) {
            return null;
        }
        boolean allowed = switch (action) {
            case REGISTER -> settings.allowRegister();
            case PUBLISH -> settings.allowPublish();
            case SUBSCRIBE -> settings.allowSubscribe();
        };
        return allowed ? null : why;
    }

    /** Whether this node is in a netsplit now (no quorum). */
    boolean inNetsplit() {
        return refusing != null;
    }

    /** This node's view, for {@code cluster show}. */
    synchronized NetsplitView snapshot() {
        Map<String, String> since = new TreeMap<>();
        lostAt.forEach((n, at) -> since.put(n, Instant.ofEpochMilli(at).toString()));
        return new NetsplitView(
                refusing != null,
                settings.quorumText(),
                List.copyOf(known),
                List.copyOf(reachable),
                since,
                splitSince == 0 ? null : Instant.ofEpochMilli(splitSince).toString(),
                refused());
    }

    // under the lock: recomputes the quorum and logs a change of it
    private void update(String cause) {
        boolean quorum = hasQuorum(settings.quorum(), known, reachable);
        boolean was = refusing == null;
        if (quorum) {
            refusing = null;
            if (!was) {
                log.info(
                        "cluster: netsplit over after {} s{}: quorum ({}) regained; {}",
                        seconds(System.currentTimeMillis() - splitSince),
                        cause == null ? "" : " ('" + cause + "' is back)",
                        settings.quorumText(),
                        view());
                splitSince = 0;
            }
            return;
        }
        if (was) {
            splitSince = System.currentTimeMillis();
        }
        refusing = "netsplit: node '" + self + "' reaches " + reachable.size() + " of " + known.size()
                + " cluster nodes, below the quorum (" + settings.quorumText() + ")";
        if (was) {
            List<String> refused = refused();
            log.warn(
                    "cluster: NETSPLIT: this node is cut off from {}; {}; {}",
                    lostAt.keySet(),
                    view(),
                    refused.isEmpty()
                            ? "serving as an island (allow_*_during_netsplit = on)"
                            : "refusing " + String.join(", ", refused) + " until the split heals"
                                    + " (allow_*_during_netsplit = off)");
        }
    }

    private List<String> refused() {
        if (refusing == null) {
            return List.of();
        }
        List<String> out = new ArrayList<>(3);
        if (!settings.allowRegister()) {
            out.add("CONNECT");
        }
        if (!settings.allowPublish()) {
            out.add("PUBLISH");
        }
        if (!settings.allowSubscribe()) {
            out.add("SUBSCRIBE");
        }
        return out;
    }

    // under the lock
    private String view() {
        return reachable.size() + " of " + known.size() + " known nodes reachable " + reachable
                + (lostAt.isEmpty() ? "" : ", unreachable " + lostAt.keySet())
                + ", quorum (" + settings.quorumText() + ") "
                + (hasQuorum(settings.quorum(), known, reachable) ? "held" : "NOT held");
    }

    private static String seconds(long millis) {
        return String.format(java.util.Locale.ROOT, "%.1f", millis / 1000.0);
    }
}
