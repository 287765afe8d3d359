package io.hookline.broker.cluster;

import com.hazelcast.cluster.Address;
import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import io.hookline.broker.config.HostPort;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code cluster join} and {@code cluster leave} at run time (docs/cluster.md, "Membership
 * operations"). Hazelcast cannot change a running member's join addresses, so a join stops this
 * node's member and starts a new one with the discovery node as its seed; the MQTT side is not
 * touched (clients stay connected) and the node's routes, connected client ids and retained
 * messages are published again into the cluster it joins. A node that leaves moves its clients
 * away (MQTT 5: DISCONNECT 0x9C with the least loaded node's address), stops its member and
 * serves only its own clients, alone, until it is told to join again.
 *
 * <p>Threading: called on management worker threads (blocking, with timeouts); one join or
 * leave at a time per node (the node's monitor); the member itself stops and starts on the
 * cluster executor, in order with the metadata writes.
 */
public final class MemberOps {

    private static final Logger log = LoggerFactory.getLogger(MemberOps.class);
    private static final long MOVE_WAIT_SECONDS = 10;
    private static final long LEAVE_WAIT_SECONDS = 30;
    /** How long {@code --migrate_sessions} waits for the moves by default (as cluster migrate-sessions). */
    public static final long MIGRATE_WAIT_SECONDS = 300;

    private static final int MIGRATE_PARALLEL = 4;
    private static final long FORGET_WAIT_MILLIS = 5000;

    /** A join or leave that cannot be done, with the HTTP status the admin command answers. */
    public static final class Refused extends RuntimeException {
        private final int status;

        Refused(int status, String message) {
            super(message, null, false, false);
            this.status = status;
        }

        public int status() {
            return status;
        }
    }

    private final ClusterNode node;

    MemberOps(ClusterNode node) {
        this.node = node;
    }

    /**
     * Makes node {@code name} (this one or another) leave the cluster; returns once it has. With
     * {@code migrateSessions} the node first moves its persistent sessions to the others
     * ({@link #migrateAway}), waiting up to {@code migrateSeconds} for the moves. A node that is
     * known but unreachable (it died, or is cut off) is instead forgotten on every member
     * ({@link ForgetTask}): it no longer counts for the quorum.
     *
     * @throws Refused 404 for a node neither a member nor known, 409 when this node is not in a
     *     cluster or sessions of an unreachable node are to be moved, 502/504 when the sessions
     *     did not all move (the node then stays in the cluster)
     */
    public String leave(String name, boolean migrateSessions, long migrateSeconds) throws InterruptedException {
        HazelcastInstance h = node.hazelcast();
        if (h == null) {
            throw new Refused(409, notInCluster());
        }
        if (name.equals(node.settings().nodeName())) {
            String sessions = migrateSessions ? migrateAway(migrateSeconds) : null;
            int moved = leaveHere(); // with the flag: the clients that connected during the moves
            String what = sessions == null
                    ? moved + " clients moved"
                    : sessions + (moved == 0 ? "" : ", then " + moved + " more clients sent away");
            return "node '" + name + "' left the cluster (" + what + "); it serves only its own clients until cluster"
                    + " join";
        }
        Member target = null;
        for (Member m : h.getCluster().getMembers()) {
            if (name.equals(m.getAttribute(ClusterNode.NODE_ATTRIBUTE))) {
                target = m;
            }
        }
        if (target == null) {
            return forget(h, name, migrateSessions);
        }
        UUID gone = target.getUuid();
        CountDownLatch left = new CountDownLatch(1);
        UUID listener = h.getCluster().addMembershipListener(new MembershipListener() {
            @Override
            public void memberAdded(MembershipEvent e) {}

            @Override
            public void memberRemoved(MembershipEvent e) {
                if (e.getMember().getUuid().equals(gone)) {
                    left.countDown();
                }
            }
        });
        String sessions;
        try {
            // with the flag the task answers once the sessions moved (or did not: then it throws)
            sessions = h.getExecutorService(ClusterNode.ADMIN_EXECUTOR)
                    .submitToMember(new LeaveTask(migrateSessions, migrateSeconds), target)
                    .get(LEAVE_WAIT_SECONDS + (migrateSessions ? migrateSeconds : 0), TimeUnit.SECONDS);
            if (node.isLive(gone) && !left.await(LEAVE_WAIT_SECONDS, TimeUnit.SECONDS)) {
                throw new Refused(
                        504,
                        "node '" + name + "' was asked to leave and is still a member after " + LEAVE_WAIT_SECONDS
                                + "s");
            }
        } catch (Refused r) {
            throw r;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Refused r) {
                throw r;
            }
            throw new Refused(502, "node '" + name + "' could not be asked to leave: " + e.getCause());
        } catch (TimeoutException | RuntimeException e) {
            throw new Refused(502, "node '" + name + "' could not be asked to leave: " + e);
        } finally {
            h.getCluster().removeMembershipListener(listener);
        }
        return "node '" + name + "' left the cluster" + (sessions.isEmpty() ? "" : " (" + sessions + ")");
    }

    /**
     * {@code name} is not a member: when some member knows it (it left without a goodbye: dead or
     * cut off), every member forgets it; otherwise 404. Sessions of such a node cannot be moved
     * (they are on its disk): with the flag, 409 and nothing is forgotten.
     */
    private String forget(HazelcastInstance h, String name, boolean migrateSessions) throws InterruptedException {
        if (migrateSessions) {
            if (node.netsplitView().known().contains(name)) {
                throw new Refused(
                        409,
                        "node '" + name + "' is unreachable: its sessions cannot be moved (they stay on its disk);"
                                + " cluster leave node=" + name + " without --migrate_sessions forgets it");
            }
            throw new Refused(404, "no node '" + name + "' in the cluster (cluster show lists them)");
        }
        ForgetTask.Outcome o = ForgetTask.everywhere(h, name, FORGET_WAIT_MILLIS);
        if (o.forgot().isEmpty()) {
            if (!o.silent().isEmpty()) {
                throw new Refused(
                        502, "node '" + name + "' not forgotten: nodes " + o.silent() + " did not answer; try again");
            }
            throw new Refused(404, "no node '" + name + "' in the cluster, reachable or not (cluster show lists them)");
        }
        log.info(
                "cluster: node '{}' (unreachable) forgotten on request on nodes {}{}",
                name,
                o.forgot(),
                o.silent().isEmpty() ? "" : "; no answer from " + o.silent());
        return "node '" + name + "' was unreachable and is forgotten on nodes " + o.forgot()
                + (o.silent().isEmpty() ? "" : " (no answer from " + o.silent() + ": they still count it)")
                + "; it no longer counts for the quorum. This node: "
                + node.netsplitView().text();
    }

    /**
     * The first half of {@code cluster leave --migrate_sessions} on this node: its clients are
     * moved away, then every persistent session is pushed to the other nodes
     * ({@link SessionMigration#migrateAll}). Returns what moved.
     *
     * <p>Why the clients go first: a connected session changes through its connection (new
     * subscriptions, acknowledgements of messages in flight), and a session pushed while its client
     * is connected only gets DISCONNECT 0x8E, after which the client typically reconnects here and
     * the session comes back. Moving every client first (MQTT 5: 0x9C with the address of the least
     * loaded other node) leaves every session offline, where only queueing changes it, and the move
     * carries what is queued during it (the tail). A client that reconnects elsewhere before its
     * session is pushed pulls it from here (a takeover), which settles the push too. Only once the
     * pushes ended does the node leave ({@link #leaveHere}); while they run it stays a member, so
     * messages for its sessions keep reaching it and travel with them.
     *
     * @throws Refused 409 without another node, 502 when some sessions did not move (naming them
     *     and why), 504 when the moves did not end within {@code seconds}; the node then stays in
     *     the cluster
     */
    String migrateAway(long seconds) throws InterruptedException {
        synchronized (node) {
            HazelcastInstance h = node.hazelcast();
            SessionMigration migration = node.migration();
            if (h == null || migration == null) {
                throw new Refused(409, notInCluster());
            }
            if (h.getCluster().getMembers().size() < 2) {
                throw new Refused(409, "no other node to move the sessions to: this node is alone in its cluster");
            }
            NodeDirectory.Entry target = node.directory().leastLoaded(node::isLive);
            int clients = moveClients(target == null ? null : target.mqtt());
            SessionMigration.Result r;
            try {
                r = migration.migrateAll(MIGRATE_PARALLEL).toCompletableFuture().get(seconds, TimeUnit.SECONDS);
            } catch (IllegalStateException e) {
                throw new Refused(409, e.getMessage());
            } catch (TimeoutException e) {
                throw new Refused(
                        504,
                        "sessions still moving after " + seconds + "s: node '"
                                + node.settings().nodeName() + "' stays in the cluster; run cluster leave again once"
                                + " the log says they moved");
            } catch (ExecutionException e) {
                throw new Refused(502, "moving the sessions failed: " + e.getCause());
            }
            if (r.failed() > 0) {
                throw new Refused(
                        502,
                        r.failed() + " of " + (r.moved() + r.failed()) + " persistent sessions could not be moved ("
                                + reasons(r.stayed()) + "): node '"
                                + node.settings().nodeName() + "' stays in the"
                                + " cluster (they move when their clients connect to another node); cluster leave"
                                + " again retries");
            }
            log.info(
                    "cluster leave: {} clients sent away, {} persistent sessions moved {}",
                    clients,
                    r.moved(),
                    r.perNode());
            return clients + " clients sent away, " + r.moved() + " sessions moved " + r.perNode();
        }
    }

    /**
     * Why sessions stayed, the first three in {@link io.hookline.broker.routing.SubscriberId#display()} order:
     * {@code 'c1': node 'b' gave up: ...; '[tenantA/] c2': ...}.
     */
    private static String reasons(Map<String, String> stayed) {
        StringBuilder text = new StringBuilder();
        int shown = 0;
        for (Map.Entry<String, String> e : stayed.entrySet()) {
            if (shown == 3) {
                text.append("; and ").append(stayed.size() - shown).append(" more (the log says why)");
                break;
            }
            text.append(shown++ == 0 ? "" : "; ")
                    .append('\'')
                    .append(e.getKey())
                    .append("': ")
                    .append(e.getValue());
        }
        return text.toString();
    }

    /** This node leaves: its clients are moved, then its member stops. Returns how many clients were moved. */
    int leaveHere() {
        synchronized (node) {
            if (node.hazelcast() == null) {
                return 0;
            }
            NodeDirectory.Entry target = node.directory().leastLoaded(node::isLive);
            String reference = target == null ? null : target.mqtt();
            int moved = moveClients(reference);
            // the registry removals and the wills' retained copies queued before go out first
            run(node::detach, Duration.ofSeconds(LEAVE_WAIT_SECONDS));
            log.info(
                    "cluster: node '{}' left the cluster; {} clients sent to {}; it serves its own clients alone until"
                            + " cluster join",
                    node.settings().nodeName(),
                    moved,
                    target == null ? "no other node" : target.node() + " (" + reference + ")");
            return moved;
        }
    }

    /** Sends every client connected here to {@code reference} (null: 0x8B); how many, once they are gone. */
    private int moveClients(String reference) {
        ClientControl control = node.control();
        if (control == null) {
            return 0;
        }
        try {
            return control.moveAll(reference).get(MOVE_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            log.warn("cluster leave: clients not all moved within {}s; going on", MOVE_WAIT_SECONDS, e);
        }
        return 0;
    }

    /**
     * Joins the cluster {@code discovery} (a node's cluster.listen) is in; returns once the new
     * member runs.
     *
     * @throws Refused 400 for this node's own address, 409 when this node is in a cluster of
     *     several nodes already or its name is taken there, 504 when nobody answered at
     *     {@code discovery} (the node then runs alone with it as its seed)
     */
    public String join(HostPort discovery) {
        synchronized (node) {
            if (discovery.equals(node.settings().listen())) {
                throw new Refused(
                        400, "bad value for discovery-node: " + discovery + " is this node's own cluster.listen");
            }
            HazelcastInstance h = node.hazelcast();
            if (h != null) {
                Set<Member> members = h.getCluster().getMembers();
                for (Member m : members) {
                    if (!m.localMember() && same(m.getAddress(), discovery)) {
                        return "this node is in the cluster of " + discovery + " already";
                    }
                }
                if (members.size() > 1) {
                    throw new Refused(
                            409,
                            "this node is in a cluster of " + members.size() + " nodes already: cluster leave node="
                                    + node.settings().nodeName() + " first");
                }
            }
            Duration wait = node.settings().joinWait().multipliedBy(4).plusSeconds(30);
            try {
                run(
                        () -> {
                            node.detach();
                            node.attach(List.of(discovery));
                        },
                        wait);
            } catch (IllegalStateException e) {
                node.ordered().execute(node::detach);
                throw new Refused(409, "join of " + discovery + " failed: " + e.getMessage());
            }
            HazelcastInstance joined = node.hazelcast();
            List<String> names = new ArrayList<>();
            for (Member m : joined.getCluster().getMembers()) {
                names.add(m.getAttribute(ClusterNode.NODE_ATTRIBUTE));
            }
            if (names.size() < 2) {
                throw new Refused(
                        504,
                        "no node answered at " + discovery + " within cluster.join_wait: this node runs alone with "
                                + discovery + " as its seed");
            }
            log.info("cluster: joined the cluster of {}: nodes {}", discovery, names);
            return "joined the cluster of " + discovery + ": nodes " + names;
        }
    }

    private String notInCluster() {
        return "this node is not in a cluster (it left): cluster join discovery-node=HOST:PORT joins one";
    }

    /** Runs {@code task} on the cluster executor and waits for it; its IllegalStateException is thrown here. */
    private void run(Runnable task, Duration wait) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        node.ordered().execute(() -> {
            try {
                task.run();
                done.complete(null);
            } catch (RuntimeException e) {
                done.completeExceptionally(e);
            }
        });
        try {
            done.get(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("not done within " + wait.toSeconds() + "s", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IllegalStateException ise) {
                throw ise;
            }
            throw new IllegalStateException(String.valueOf(e.getCause()), e.getCause());
        }
    }

    private static boolean same(Address a, HostPort hp) {
        if (a.getPort() != hp.port()) {
            return false;
        }
        if (a.getHost().equals(hp.host())) {
            return true;
        }
        try {
            return a.getInetAddress().equals(InetAddress.getByName(hp.host()));
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
