package io.hookline.broker.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.LifecycleEvent;
import com.hazelcast.core.LifecycleListener;
import io.hookline.broker.routing.SubscriberId;
import io.hookline.broker.session.Session;
import io.hookline.broker.session.SessionRegistry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a node does when a netsplit heals and Hazelcast merges its side into the other
 * (lifecycle MERGING, then MERGED; the node may come back with a new member id): before, it
 * keeps its side's retained messages; after, it makes the cluster's metadata whole again and
 * logs one line per kind with the counts (docs/cluster.md, "Netsplits"):
 *
 * <ul>
 *   <li>routes: its own filters under its (new) id, entries of nodes that are gone removed, its
 *       mirror of the other nodes' routes rebuilt;
 *   <li>client ids: each client connected here registered again; one connected on both sides
 *       keeps the later connection, the other is closed as taken over (0x8E);
 *   <li>retained: of two values for a topic the newer write wins; the merged values are copied
 *       into this node's store.
 * </ul>
 *
 * <p>Threading: lifecycle events arrive on Hazelcast's merge thread; the snapshot is a local
 * read there, the rest runs on the cluster executor.
 */
final class HealReconciler implements LifecycleListener {

    private static final Logger log = LoggerFactory.getLogger(HealReconciler.class);
    private static final long ASK_SECONDS = 10; // how long the other side has to answer

    private final ClusterNode node;
    private final SessionRegistry sessions;
    private final Executor executor;
    private volatile Map<String, byte[]> retainedBefore = Map.of();

    HealReconciler(ClusterNode node, SessionRegistry sessions, Executor executor) {
        this.node = node;
        this.sessions = sessions;
        this.executor = executor;
    }

    @Override
    public void stateChanged(LifecycleEvent event) {
        switch (event.getState()) {
            case MERGING -> {
                RetainedSync retained = node.retainedSync();
                retainedBefore = retained == null ? Map.of() : retained.snapshot();
                log.warn(
                        "cluster: netsplit healing: this side merges into the other ({} retained topics kept to"
                                + " reconcile)",
                        retainedBefore.size());
            }
            case MERGED -> executor.execute(this::reconcile);
            case MERGE_FAILED -> log.error("cluster: the merge after a netsplit failed; this node stays apart");
            default -> {
                // other states are the node's start and stop
            }
        }
    }

    private void reconcile() {
        HazelcastInstance hz = node.hazelcast();
        if (hz == null) {
            return; // stopping
        }
        try {
            UUID self = hz.getCluster().getLocalMember().getUuid();
            Set<UUID> members = new HashSet<>();
            List<String> names = new ArrayList<>();
            Member oldest = null;
            for (Member m : hz.getCluster().getMembers()) { // oldest first: one of the side that never left
                members.add(m.getUuid());
                names.add(m.getAttribute(ClusterNode.NODE_ATTRIBUTE));
                if (oldest == null && !m.localMember()) {
                    oldest = m;
                }
            }
            node.rejoined(hz, self, names);
            routes(hz, self, members);
            clients(self, members);
            retained(hz, self, oldest);
        } catch (RuntimeException e) {
            log.error("cluster: reconciling after the netsplit failed; metadata may differ between nodes", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void routes(HazelcastInstance hz, UUID self, Set<UUID> members) throws InterruptedException {
        RouteTable routes = node.routes();
        int[] r = routes.reconcile(self, members);
        int mirrored = r[2];
        // this node's copy of the route map may still be filling: the others say what they have
        Set<Member> others = new HashSet<>(hz.getCluster().getMembers());
        others.remove(hz.getCluster().getLocalMember());
        if (!others.isEmpty()) {
            Map<Member, Future<ArrayList<String>>> answers =
                    hz.getExecutorService(ClusterNode.ADMIN_EXECUTOR).submitToMembers(new HealTasks.Routes(), others);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(ASK_SECONDS);
            for (Map.Entry<Member, Future<ArrayList<String>>> e : answers.entrySet()) {
                try {
                    List<String> filters =
                            e.getValue().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                    mirrored += routes.mirrorNode(e.getKey().getUuid(), filters);
                } catch (ExecutionException | TimeoutException ex) {
                    log.warn("cluster: node {} did not say its routes after the heal: {}", e.getKey(), ex.toString());
                }
            }
        }
        log.info(
                "cluster: heal reconciled routes: {} filters of this node published again, {} entries of gone"
                        + " nodes removed, {} routes of the other nodes learnt again",
                r[0],
                r[1],
                mirrored);
    }

    private void clients(UUID self, Set<UUID> members) {
        ClientRegistry clients = node.clients();
        if (clients == null) {
            return;
        }
        List<SubscriberId> online = new ArrayList<>();
        for (Session s : sessions.all()) {
            if (s.isOnline()) {
                online.add(s.id());
            }
        }
        int[] c = clients.reconcile(self, members, online, sessions::takenOverElsewhere);
        log.info(
                "cluster: heal reconciled client ids: {} connected here registered again, {} connected on both"
                        + " sides kept here (later connection; the other node's closed), {} closed here (taken over"
                        + " by a later connection on another node)",
                c[0],
                c[1],
                c[2]);
    }

    private void retained(HazelcastInstance hz, UUID self, Member oldest) throws InterruptedException {
        RetainedSync retained = node.retainedSync();
        if (retained == null) {
            return;
        }
        HashMap<String, byte[]> before = new HashMap<>(retainedBefore);
        retainedBefore = Map.of();
        HealTasks.Merged m = new HealTasks.Merged(0, 0, 0, List.of());
        if (oldest != null) {
            try {
                m = hz.getExecutorService(ClusterNode.ADMIN_EXECUTOR)
                        .submitToMember(new HealTasks.Retained(before), oldest)
                        .get(ASK_SECONDS, TimeUnit.SECONDS);
            } catch (ExecutionException | TimeoutException e) {
                log.error(
                        "cluster: node {} did not merge the retained messages after the heal; they may differ"
                                + " between nodes until written again: {}",
                        oldest,
                        e.toString());
            }
        }
        int copied = retained.rejoined(self, m.toApply());
        log.info(
                "cluster: heal reconciled retained messages: {} topics differed between the sides (newer write"
                        + " kept: {} from this side, {} from the other), {} restored from this side, {} copied into"
                        + " this node's store",
                m.differed(),
                m.keptFromMerged(),
                m.differed() - m.keptFromMerged(),
                m.restored(),
                copied);
    }
}
