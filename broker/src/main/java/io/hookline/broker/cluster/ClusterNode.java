package io.hookline.broker.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.config.TcpIpConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.IExecutorService;
import io.hookline.broker.config.HostPort;
import io.hookline.broker.routing.Message;
import io.hookline.broker.routing.Messages;
import io.hookline.broker.routing.NetsplitGate;
import io.hookline.broker.routing.Publisher;
import io.hookline.broker.routing.Router;
import io.hookline.broker.routing.SubscriberId;
import io.hookline.broker.session.Session;
import io.hookline.broker.session.SessionEvents;
import io.hookline.broker.session.SessionRegistry;
import io.hookline.broker.store.RetainedStore;
import io.hookline.broker.store.Stores;
import io.hookline.broker.util.StoreBatch;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This broker as a node of a cluster ({@code cluster = on}; docs/cluster.md): an embedded
 * Hazelcast member (membership, failure detection, the route table, the client-id registry and
 * the retained messages) and the {@link DataPlane} messages travel on. Built with the broker
 * (nothing starts), {@link #start started} before sessions are recovered and listeners open,
 * {@link #close closed} after the clients are gone.
 *
 * <p>Threading: the publish path ({@link #forward}) is lock-free and never blocks; every
 * Hazelcast call that may wait on the network runs on the single cluster executor, in order.
 */
public final class ClusterNode implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ClusterNode.class);
    static final String NODE_ATTRIBUTE = "hookline.node";
    static final String DATA_ATTRIBUTE = "hookline.data";
    static final String CONTEXT_KEY = "hookline.cluster";
    static final String ADMIN_EXECUTOR = "hookline.admin";

    private final ClusterSettings settings;
    private final SessionRegistry sessions;
    private final Router router;
    private final RetainedStore retained;
    private final Stores stores;
    private final Messages messages;
    private final RouteTable routes;
    private final DataPlane data;
    private final Map<UUID, InetSocketAddress> dataAddresses = new ConcurrentHashMap<>();
    private final ExecutorService executor;
    private final Executor ordered; // the executor; after close, tasks are dropped (logged), never thrown at the caller
    private volatile HazelcastInstance hz;
    private volatile UUID self;
    private RetainedSync retainedSync;
    private ClientRegistry clients;
    private final Netsplit netsplit;

    public ClusterNode(
            ClusterSettings settings,
            RouteTable routes,
            SessionRegistry sessions,
            Router router,
            RetainedStore retained,
            Stores stores,
            Messages messages) {
        this.settings = settings;
        this.routes = routes;
        this.sessions = sessions;
        this.router = router;
        this.retained = retained;
        this.stores = stores;
        this.messages = messages;
        this.data = new DataPlane(new Receiver());
        this.netsplit = new Netsplit(settings.netsplit(), settings.nodeName());
        this.executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "hookline-cluster");
            t.setDaemon(true);
            return t;
        });
        this.ordered = task -> {
            try {
                executor.execute(task);
            } catch (RejectedExecutionException e) {
                log.debug("cluster: stopping, a metadata write is dropped");
            }
        };
    }

    /** The publisher a clustered broker publishes through: {@code local}, then the other nodes. */
    public Publisher publisher(Publisher local, BooleanSupplier retainAvailable) {
        return new ClusterPublisher(local, this, retainAvailable);
    }

    /** {@code next} (the hook events) plus what the client-id registry needs to hear. */
    public SessionEvents sessionEvents(SessionEvents next) {
        return new ClusterSessionEvents(next, this);
    }

    public ClusterSettings settings() {
        return settings;
    }

    /** What this node refuses while it is in a netsplit (the broker gives it to every connection). */
    public NetsplitGate netsplitGate() {
        return netsplit;
    }

    /** This node's view of netsplits ({@code cluster show}). */
    public NetsplitView netsplitView() {
        return netsplit.snapshot();
    }

    /**
     * Forgets {@code node}, a known node that is unreachable and will not come back (removed by
     * an administrator): it no longer counts for the quorum. False when it is reachable, this
     * node or not known.
     */
    public boolean forgetNode(String node) {
        return netsplit.forget(node);
    }

    /** A live config change: the allow_*_during_netsplit keys of {@code config} apply from now on. */
    public void configChanged(io.hookline.broker.config.Config config) {
        netsplit.reconfigure(NetsplitSettings.from(config));
    }

    Netsplit netsplit() {
        return netsplit;
    }

    HazelcastInstance hazelcast() {
        return hz;
    }

    RouteTable routes() {
        return routes;
    }

    RetainedSync retainedSync() {
        return retainedSync;
    }

    /** After a split-brain merge: this member's id (maybe a new one) and the members now. */
    void rejoined(HazelcastInstance h, UUID selfId, List<String> members) {
        self = selfId;
        data.setSelf(selfId);
        for (Member m : h.getCluster().getMembers()) {
            learn(m);
        }
        netsplit.merged(members);
    }

    /**
     * Binds the data port, starts the Hazelcast member (joining the seeds, or alone after
     * cluster.join_wait) and joins the route table, the client registry and the retained map.
     *
     * @throws IllegalStateException naming the address or the clash when the node cannot start
     */
    public void start() {
        HostPort listen = settings.listen();
        InetSocketAddress dataBound;
        try {
            dataBound = data.bind(listen.host(), settings.dataPort());
        } catch (Exception e) { // Netty throws the BindException unchecked
            data.close();
            throw new IllegalStateException(
                    "cluster data port " + listen.host() + ":" + settings.dataPort() + " (cluster.data_port) cannot be"
                            + " bound: " + e.getMessage(),
                    e);
        }
        Config config = hazelcastConfig(dataBound.getPort());
        // read before the config is: without it Hazelcast's first lines go to java.util.logging
        if (System.getProperty("hazelcast.logging.type") == null) {
            System.setProperty("hazelcast.logging.type", "slf4j");
        }
        try {
            hz = Hazelcast.newHazelcastInstance(config);
        } catch (RuntimeException e) {
            data.close();
            throw new IllegalStateException("cluster member on " + listen + " (cluster.listen) did not start: " + e, e);
        }
        Member me = hz.getCluster().getLocalMember();
        self = me.getUuid();
        data.setSelf(self);
        for (Member m : hz.getCluster().getMembers()) {
            if (!m.localMember() && settings.nodeName().equals(m.getAttribute(NODE_ATTRIBUTE))) {
                hz.shutdown();
                data.close();
                throw new IllegalStateException("cluster.node_name '" + settings.nodeName()
                        + "' is taken by the member at " + m.getAddress() + ": give each node its own name");
            }
        }
        hz.getCluster().addMembershipListener(new Membership());
        List<String> names = new ArrayList<>();
        for (Member m : hz.getCluster().getMembers()) {
            learn(m);
            names.add(m.getAttribute(NODE_ATTRIBUTE));
        }
        netsplit.start(names);
        hz.getLifecycleService().addLifecycleListener(new HealReconciler(this, sessions, ordered));
        routes.start(hz.getReplicatedMap(RouteTable.MAP), self, ordered);
        retainedSync = new RetainedSync(hz.getReplicatedMap(RetainedSync.MAP), self, retained, stores, messages);
        retainedSync.start();
        clients = new ClientRegistry(
                hz.getMap(ClientRegistry.MAP), hz.getMap(ClientRegistry.SINCE), self, ordered, this::sendTakeover);
        log.info(
                "cluster '{}': node '{}' on {} (data port {}), {} member(s): {}",
                settings.name(),
                settings.nodeName(),
                listen,
                dataBound.getPort(),
                hz.getCluster().getMembers().size(),
                memberNames());
    }

    private Config hazelcastConfig(int dataPort) {
        HostPort listen = settings.listen();
        Config config = new Config();
        config.setClusterName(settings.name());
        config.setInstanceName("hookline-" + settings.nodeName() + "-" + UUID.randomUUID());
        int failure = ClusterSettings.seconds(settings.failureTimeout());
        int join = ClusterSettings.seconds(settings.joinWait());
        config.setProperty("hazelcast.logging.type", "slf4j");
        config.setProperty("hazelcast.phone.home.enabled", "false");
        config.setProperty("hazelcast.shutdownhook.enabled", "false"); // Broker.close() stops us in order
        config.setProperty("hazelcast.health.monitoring.level", "OFF");
        config.setProperty("hazelcast.socket.bind.any", "false");
        config.setProperty("hazelcast.local.localAddress", listen.host());
        config.setProperty("hazelcast.max.no.heartbeat.seconds", String.valueOf(failure));
        config.setProperty("hazelcast.heartbeat.interval.seconds", String.valueOf(Math.max(1, failure / 5)));
        config.setProperty("hazelcast.wait.seconds.before.join", String.valueOf(join));
        config.setProperty("hazelcast.max.wait.seconds.before.join", String.valueOf(Math.max(join, 1) * 2));
        config.setProperty("hazelcast.graceful.shutdown.max.wait", String.valueOf(Math.max(5, failure)));
        int heal = ClusterSettings.seconds(settings.netsplit().healCheck()); // split halves look for each other
        config.setProperty("hazelcast.merge.first.run.delay.seconds", String.valueOf(heal));
        config.setProperty("hazelcast.merge.next.run.delay.seconds", String.valueOf(heal));
        // reads wait until a joining (or merging) member has the whole map: a heal compares against it
        config.getReplicatedMapConfig(RouteTable.MAP).setAsyncFillup(false);
        config.getReplicatedMapConfig(RetainedSync.MAP).setAsyncFillup(false);
        config.getUserContext().put(CONTEXT_KEY, this);
        config.getMemberAttributeConfig().setAttribute(NODE_ATTRIBUTE, settings.nodeName());
        config.getMemberAttributeConfig().setAttribute(DATA_ATTRIBUTE, listen.host() + ":" + dataPort);
        NetworkConfig network = config.getNetworkConfig();
        network.setPort(listen.port()).setPortAutoIncrement(false);
        network.setPublicAddress(hostPort(listen));
        JoinConfig joining = network.getJoin();
        joining.getMulticastConfig().setEnabled(false);
        joining.getAutoDetectionConfig().setEnabled(false);
        TcpIpConfig tcp = joining.getTcpIpConfig().setEnabled(true);
        tcp.setConnectionTimeoutSeconds(Math.max(1, join));
        tcp.addMember(hostPort(listen));
        for (HostPort seed : settings.seeds()) {
            tcp.addMember(hostPort(seed));
        }
        return config;
    }

    private static String hostPort(HostPort hp) {
        return (hp.host().indexOf(':') >= 0 ? "[" + hp.host() + "]" : hp.host()) + ":" + hp.port();
    }

    private void learn(Member m) {
        if (m.localMember()) {
            return;
        }
        String address = m.getAttribute(DATA_ATTRIBUTE);
        if (address == null) {
            log.warn(
                    "cluster: member {} is not a Hookline node (no {} attribute); ignored",
                    m.getAddress(),
                    DATA_ATTRIBUTE);
            return;
        }
        HostPort hp = HostPort.parse(address);
        dataAddresses.put(m.getUuid(), new InetSocketAddress(hp.host(), hp.port())); // resolved once
    }

    private List<String> memberNames() {
        List<String> names = new ArrayList<>();
        for (Member m : hz.getCluster().getMembers()) {
            names.add(m.getAttribute(NODE_ATTRIBUTE) + "@" + m.getAddress());
        }
        return names;
    }

    /**
     * Sends {@code message} to every other node with a matching subscriber; returns how many.
     * On the publisher's thread, never blocking.
     */
    int forward(Message message) {
        List<UUID> nodes = routes.nodesFor(message.topic());
        int n = 0;
        for (int i = 0; i < nodes.size(); i++) {
            UUID node = nodes.get(i);
            InetSocketAddress address = dataAddresses.get(node);
            if (address != null) {
                data.publish(node, address, message);
                n++;
            }
        }
        return n;
    }

    /** A retained message (or a clear: empty payload) published here: to every node's retained store. */
    void replicateRetained(Message message) {
        RetainedSync sync = retainedSync;
        if (sync != null) {
            long at = sync.written(message.topic());
            ordered.execute(() -> sync.publish(message, at));
        }
    }

    /** The client id registry heard a client connect, go offline or end here. */
    ClientRegistry clients() {
        return clients;
    }

    private void sendTakeover(UUID node, SubscriberId client) {
        InetSocketAddress address = dataAddresses.get(node);
        if (address == null) {
            return; // that node is gone: nothing connected there any more
        }
        data.takeover(node, address, client);
    }

    /** This node's line of {@code cluster show}. */
    NodeStatus localStatus() {
        int online = 0;
        for (Session s : sessions.all()) {
            if (s.isOnline()) {
                online++;
            }
        }
        return new NodeStatus(
                settings.nodeName(),
                settings.listen().toString(),
                true,
                online,
                sessions.size(),
                routes.localFilters(),
                data.received(),
                data.published());
    }

    /**
     * Every node's status, asked of each member (waiting up to {@code timeoutMillis}), and the
     * nodes whose routes are still being removed after they left (running = false).
     *
     * @throws IllegalStateException when the cluster is not running
     */
    public List<NodeStatus> show(long timeoutMillis) throws InterruptedException {
        HazelcastInstance h = hz;
        if (h == null) {
            throw new IllegalStateException("the cluster is not running");
        }
        IExecutorService exec = h.getExecutorService("hookline.admin");
        Map<Member, Future<NodeStatus>> answers = exec.submitToAllMembers(new StatusTask());
        List<NodeStatus> out = new ArrayList<>();
        Set<UUID> live = new HashSet<>();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        for (Map.Entry<Member, Future<NodeStatus>> e : answers.entrySet()) {
            Member m = e.getKey();
            live.add(m.getUuid());
            try {
                out.add(e.getValue().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
            } catch (ExecutionException | TimeoutException ex) {
                out.add(new NodeStatus(
                        m.getAttribute(NODE_ATTRIBUTE), m.getAddress().toString(), true, -1, -1, -1, -1, -1));
            }
        }
        for (Map.Entry<UUID, Integer> e : routes.remoteFilters().entrySet()) {
            if (!live.contains(e.getKey())) {
                out.add(new NodeStatus(e.getKey().toString(), null, false, 0, 0, e.getValue(), -1, -1));
            }
        }
        out.sort(Comparator.comparing(NodeStatus::node));
        return out;
    }

    @Override
    public void close() {
        executor.shutdown(); // let queued writes (clients that went offline at shutdown) reach the maps first
        try {
            executor.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        HazelcastInstance h = hz;
        hz = null;
        if (h != null) {
            GoodbyeTask.tellOthers(h, settings.nodeName());
            try {
                h.shutdown();
            } catch (RuntimeException e) {
                log.warn("cluster: member shutdown failed", e);
            }
        }
        executor.shutdownNow();
        data.close();
    }

    /** What other nodes send here. On the data plane's event loops. */
    private final class Receiver implements DataPlane.Receiver {
        @Override
        public boolean isMember(UUID node) {
            HazelcastInstance h = hz;
            if (h == null) {
                return false;
            }
            for (Member m : h.getCluster().getMembers()) { // the member list as this member knows it: no network call
                if (m.getUuid().equals(node) && !m.localMember()) {
                    return true;
                }
            }
            return false;
        }

        @Override
        public void publish(UUID from, Message m) {
            // ids are per node: the message gets one of ours, as a local publish would
            Message local = new Message(
                    messages.nextId(),
                    m.topic(),
                    m.qos(),
                    m.retain(),
                    m.payload(),
                    m.properties(),
                    m.sender(),
                    m.expiresAtMillis());
            StoreBatch batch = stores.batch();
            router.route(local, null, null, batch);
            batch.commit().whenComplete((ok, failure) -> {
                if (failure != null) {
                    log.error(
                            "cluster: message on '{}' from node {} not stored for its subscribers",
                            m.topic(),
                            from,
                            failure);
                }
            });
        }

        @Override
        public void takeover(UUID from, SubscriberId client) {
            if (sessions.takenOverElsewhere(client)) {
                log.debug(
                        "cluster: client '{}' connected on node {}: its connection here is closed",
                        client.clientId(),
                        from);
            }
        }
    }

    /** Membership changes. On Hazelcast's event thread: the cleanup goes to the cluster executor. */
    private final class Membership implements MembershipListener {
        @Override
        public void memberAdded(MembershipEvent e) {
            learn(e.getMember());
            netsplit.joined(
                    e.getMember().getAttribute(NODE_ATTRIBUTE),
                    String.valueOf(e.getMember().getAddress()));
            log.info(
                    "cluster: node '{}' joined ({})",
                    e.getMember().getAttribute(NODE_ATTRIBUTE),
                    e.getMember().getAddress());
        }

        @Override
        public void memberRemoved(MembershipEvent e) {
            UUID gone = e.getMember().getUuid();
            netsplit.left(
                    e.getMember().getAttribute(NODE_ATTRIBUTE),
                    String.valueOf(e.getMember().getAddress()));
            log.info(
                    "cluster: node '{}' left or died ({}); removing its routes and client ids",
                    e.getMember().getAttribute(NODE_ATTRIBUTE),
                    e.getMember().getAddress());
            dataAddresses.remove(gone);
            data.forget(gone);
            ordered.execute(() -> {
                try {
                    routes.forget(gone);
                    ClientRegistry c = clients;
                    if (c != null) {
                        c.forget(gone);
                    }
                } catch (RuntimeException ex) {
                    log.warn("cluster: cleanup after node {} failed", gone, ex);
                }
            });
        }
    }
}
