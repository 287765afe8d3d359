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
     * Makes node {@code name} (this one or another) leave the cluster; returns once it has.
     *
     * @throws Refused 404 for a node not in the cluster, 409 when this node is not in one
     */
    public String leave(String name) throws InterruptedException {
        HazelcastInstance h = node.hazelcast();
        if (h == null) {
            throw new Refused(409, notInCluster());
        }
        if (name.equals(node.settings().nodeName())) {
            int moved = leaveHere();
            return "node '" + name + "' left the cluster (" + moved + " clients moved); it serves only its own"
                    + " clients until cluster join";
        }
        Member target = null;
        for (Member m : h.getCluster().getMembers()) {
            if (name.equals(m.getAttribute(ClusterNode.NODE_ATTRIBUTE))) {
                target = m;
            }
        }
        if (target == null) {
            throw new Refused(404, "no node '" + name + "' in the cluster (cluster show lists them)");
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
        try {
            h.getExecutorService("hookline.admin")
                    .submitToMember(new LeaveTask(), target)
                    .get(LEAVE_WAIT_SECONDS, TimeUnit.SECONDS);
            if (node.isLive(gone) && !left.await(LEAVE_WAIT_SECONDS, TimeUnit.SECONDS)) {
                throw new Refused(
                        504,
                        "node '" + name + "' was asked to leave and is still a member after " + LEAVE_WAIT_SECONDS
                                + "s");
            }
        } catch (Refused r) {
            throw r;
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            throw new Refused(502, "node '" + name + "' could not be asked to leave: " + e.getMessage());
        } finally {
            h.getCluster().removeMembershipListener(listener);
        }
        return "node '" + name + "' left the cluster";
    }

    /** This node leaves: its clients are moved, then its member stops. Returns how many clients were moved. */
    int leaveHere() {
        synchronized (node) {
            if (node.hazelcast() == null) {
                return 0;
            }
            NodeDirectory.Entry target = node.directory().leastLoaded(node::isLive);
            String reference = target == null ? null : target.mqtt();
            int moved = 0;
            ClientControl control = node.control();
            if (control != null) {
                try {
                    moved = control.moveAll(reference).get(MOVE_WAIT_SECONDS, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (ExecutionException | TimeoutException e) {
                    log.warn("cluster leave: clients not all moved within {}s; leaving anyway", MOVE_WAIT_SECONDS, e);
                }
            }
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
