package io.hookline.broker.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import io.hookline.broker.config.HostPort;
import io.netty.buffer.ByteBuf;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The other members of the cluster as this node sees them: where their data ports are (learnt
 * from each member's attribute), what a membership change means (the netsplit view hears of it;
 * a member that left loses its links and its metadata here) and the peers session migration
 * talks to. Added as a listener to each Hazelcast member the node runs (a join restarts it).
 *
 * <p>Threading: membership events arrive on Hazelcast's event thread, the cleanup of a member
 * that left runs on the cluster executor ({@code gone}); the address map is concurrent and read
 * on the publish path without a lock.
 */
final class ClusterMembers implements MembershipListener {

    private static final Logger log = LoggerFactory.getLogger(ClusterMembers.class);

    private final Map<UUID, InetSocketAddress> dataAddresses = new ConcurrentHashMap<>();
    private final Supplier<HazelcastInstance> hz;
    private final DataPlane data;
    private final Netsplit netsplit;
    private final Consumer<UUID> gone;

    /**
     * @param hz the member this node runs now (null while it runs none)
     * @param gone removes what this node holds of a member that left (routes, client ids ...)
     */
    ClusterMembers(Supplier<HazelcastInstance> hz, DataPlane data, Netsplit netsplit, Consumer<UUID> gone) {
        this.hz = hz;
        this.data = data;
        this.netsplit = netsplit;
        this.gone = gone;
    }

    /** Member id → data address of every other member this node knows (live map). */
    Map<UUID, InetSocketAddress> dataAddresses() {
        return dataAddresses;
    }

    /** Learns where {@code m}'s data port is (nothing for this node itself). */
    void learn(Member m) {
        if (m.localMember()) {
            return;
        }
        String address = m.getAttribute(ClusterNode.DATA_ATTRIBUTE);
        if (address == null) {
            log.warn(
                    "cluster: member {} is not a Hookline node (no {} attribute); ignored",
                    m.getAddress(),
                    ClusterNode.DATA_ATTRIBUTE);
            return;
        }
        HostPort hp = HostPort.parse(address);
        dataAddresses.put(m.getUuid(), new InetSocketAddress(hp.host(), hp.port())); // resolved once
    }

    /** This node left its cluster: every other member and its link are forgotten. */
    void forgetAll() {
        for (UUID id : new ArrayList<>(dataAddresses.keySet())) {
            dataAddresses.remove(id);
            data.forget(id);
        }
    }

    /** Whether {@code member} is in the cluster now (this node's view, no network call). */
    boolean isLive(UUID member) {
        HazelcastInstance h = hz.get();
        if (h == null) {
            return false;
        }
        for (Member m : h.getCluster().getMembers()) {
            if (m.getUuid().equals(member)) {
                return true;
            }
        }
        return false;
    }

    /** {@code name@address} of every member, for the start's log line. */
    List<String> names() {
        List<String> names = new ArrayList<>();
        for (Member m : hz.get().getCluster().getMembers()) {
            names.add(m.getAttribute(ClusterNode.NODE_ATTRIBUTE) + "@" + m.getAddress());
        }
        return names;
    }

    /** How session migration reaches the other nodes: the data plane, the member list. */
    SessionMigration.Peers peers() {
        return new MigrationPeers();
    }

    @Override
    public void memberAdded(MembershipEvent e) {
        learn(e.getMember());
        netsplit.joined(
                e.getMember().getAttribute(ClusterNode.NODE_ATTRIBUTE),
                String.valueOf(e.getMember().getAddress()));
        log.info(
                "cluster: node '{}' joined ({})",
                e.getMember().getAttribute(ClusterNode.NODE_ATTRIBUTE),
                e.getMember().getAddress());
    }

    @Override
    public void memberRemoved(MembershipEvent e) {
        UUID left = e.getMember().getUuid();
        netsplit.left(
                e.getMember().getAttribute(ClusterNode.NODE_ATTRIBUTE),
                String.valueOf(e.getMember().getAddress()));
        log.info(
                "cluster: node '{}' left or died ({}); removing its routes and client ids",
                e.getMember().getAttribute(ClusterNode.NODE_ATTRIBUTE),
                e.getMember().getAddress());
        dataAddresses.remove(left);
        data.forget(left);
        gone.accept(left);
    }

    private final class MigrationPeers implements SessionMigration.Peers {
        @Override
        public boolean send(UUID node, ByteBuf frame) {
            InetSocketAddress address = dataAddresses.get(node);
            if (address == null) {
                frame.release();
                return false;
            }
            data.send(node, address, frame);
            return true;
        }

        @Override
        public boolean isMember(UUID node) {
            return dataAddresses.containsKey(node);
        }

        @Override
        public List<UUID> others() {
            return new ArrayList<>(dataAddresses.keySet());
        }

        @Override
        public String name(UUID node) {
            HazelcastInstance h = hz.get();
            if (h != null) {
                for (Member m : h.getCluster().getMembers()) {
                    if (m.getUuid().equals(node)) {
                        return m.getAttribute(ClusterNode.NODE_ATTRIBUTE);
                    }
                }
            }
            return node.toString();
        }
    }
}
