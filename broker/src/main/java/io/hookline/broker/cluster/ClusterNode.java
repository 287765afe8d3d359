package io.hookline.broker.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.config.Config;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.IExecutorService;
import io.hookline.broker.config.HostPort;
import io.hookline.broker.metrics.BrokerMetrics;
import io.hookline.broker.routing.Message;
import io.hookline.broker.routing.Messages;
import io.hookline.broker.routing.NetsplitGate;
import io.hookline.broker.routing.Publisher;
import io.hookline.broker.routing.Recipient;
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
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
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
    private final BrokerMetrics metrics;
    private final RouteTable routes;
    private final DataPlane data;
    private final Map<UUID, InetSocketAddress> dataAddresses; // membership's: the other members' data ports
    private final ExecutorService executor;
    private final Executor ordered; // the executor; after close, tasks are dropped (logged), never thrown at the caller
    private volatile HazelcastInstance hz;
    private volatile UUID self;
    private volatile RetainedSync retainedSync;
    private volatile ClientRegistry clients;
    private final NodeDirectory directory = new NodeDirectory();
    private final ClusterMembers membership; // added to each member this node runs (join restarts it)
    private volatile List<HostPort> seeds; // cluster.seeds; cluster join replaces them
    private volatile int dataPort;
    private volatile ClientControl control;
    private final ClusterShared shared;
    private final ClusterDirect direct;
    private final RemoteCounts counts;
    private volatile SessionMigration migration;
    private ScheduledExecutorService migrationExecutor;
    private final Netsplit netsplit;

    public ClusterNode(
            ClusterSettings settings,
            RouteTable routes,
            SessionRegistry sessions,
            Router router,
            RetainedStore retained,
            Stores stores,
            Messages messages,
            BrokerMetrics metrics) {
        this.settings = settings;
        this.routes = routes;
        this.sessions = sessions;
        this.router = router;
        this.retained = retained;
        this.stores = stores;
        this.messages = messages;
        this.metrics = metrics;
        this.data = new DataPlane(new Receiver(), settings.outboundHighWatermark(), sessions.flow());
        this.seeds = settings.seeds();
        this.shared = new ClusterShared(routes.shared(), router, this::forwardFrame);
        router.shareWith(shared);
        this.direct = new ClusterDirect(this::clients, this::forwardFrame);
        this.counts = new RemoteCounts(routes, this::forwardFrame);
        this.netsplit = new Netsplit(settings.netsplit(), settings.nodeName());
        this.membership = new ClusterMembers(() -> hz, data, netsplit, this::memberGone);
        this.dataAddresses = membership.dataAddresses();
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
     * Whether every partition of the cluster-wide maps has its backup in sync and none is being
     * moved (Hazelcast's "cluster safe"). Right after a node joins or leaves this is false for a
     * moment; a node stopped hard before it turns true may take entries it held alone with it
     * (e.g. where a persistent session lives). False when the cluster is not running.
     */
    public boolean replicasSafe() {
        HazelcastInstance h = hz;
        return h != null
                && h.getLifecycleService().isRunning()
                && h.getPartitionService().isClusterSafe();
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
        data.rejoin(); // the other side's members were forgotten during the split: links to them may open again
        for (Member m : h.getCluster().getMembers()) {
            membership.learn(m);
        }
        // the parts keyed by this member's id take the new one; shared groups are published again
        routes.shared().stop();
        routes.shared().start(h.getReplicatedMap(SharedRoutes.MAP), selfId, ordered);
        shared.start(selfId);
        direct.start(selfId);
        directory.start(h.getReplicatedMap(NodeDirectory.MAP), selfId);
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
        dataPort = dataBound.getPort();
        try {
            startMember();
        } catch (IllegalStateException e) {
            data.close();
            throw e;
        }
    }

    /** Starts the Hazelcast member on {@link #seeds} and joins the maps (at start and on cluster join). */
    void startMember() {
        HostPort listen = settings.listen();
        Config config = HazelcastSetup.config(settings, seeds, dataPort, this);
        // read before the config is: without it Hazelcast's first lines go to java.util.logging
        if (System.getProperty("hazelcast.logging.type") == null) {
            System.setProperty("hazelcast.logging.type", "slf4j");
        }
        try {
            hz = Hazelcast.newHazelcastInstance(config);
        } catch (RuntimeException e) {
            throw new IllegalStateException("cluster member on " + listen + " (cluster.listen) did not start: " + e, e);
        }
        Member me = hz.getCluster().getLocalMember();
        self = me.getUuid();
        data.setSelf(self);
        for (Member m : hz.getCluster().getMembers()) {
            if (!m.localMember() && settings.nodeName().equals(m.getAttribute(NODE_ATTRIBUTE))) {
                hz.shutdown();
                hz = null;
                throw new IllegalStateException("cluster.node_name '" + settings.nodeName()
                        + "' is taken by the member at " + m.getAddress() + ": give each node its own name");
            }
        }
        hz.getCluster().addMembershipListener(membership);
        List<String> names = new ArrayList<>();
        for (Member m : hz.getCluster().getMembers()) {
            membership.learn(m);
            names.add(m.getAttribute(NODE_ATTRIBUTE));
        }
        netsplit.start(names);
        hz.getLifecycleService().addLifecycleListener(new HealReconciler(this, sessions, ordered));
        routes.start(hz.getReplicatedMap(RouteTable.MAP), self, ordered);
        routes.shared().start(hz.getReplicatedMap(SharedRoutes.MAP), self, ordered);
        shared.start(self);
        direct.start(self);
        retainedSync = new RetainedSync(hz.getReplicatedMap(RetainedSync.MAP), self, retained, stores, messages);
        retainedSync.start();
        clients = new ClientRegistry(
                hz.getMap(ClientRegistry.MAP), hz.getMap(ClientRegistry.SINCE), self, ordered, this::sendTakeover);
        startMigration();
        directory.start(hz.getReplicatedMap(NodeDirectory.MAP), self);
        log.info(
                "cluster '{}': node '{}' on {} (data port {}), {} member(s): {}",
                settings.name(),
                settings.nodeName(),
                listen,
                dataPort,
                hz.getCluster().getMembers().size(),
                membership.names());
    }

    // at start and on cluster join (a new member, a new id): the thread is made once
    private void startMigration() {
        boolean rejoin = migrationExecutor != null;
        if (!rejoin) {
            migrationExecutor = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "hookline-migration");
                t.setDaemon(true);
                return t;
            });
        }
        migration = new SessionMigration(
                hz.getMap(SessionMigration.MAP),
                self,
                sessions,
                membership.peers(),
                routes::sends,
                migrationExecutor,
                ordered,
                settings.failureTimeout().toMillis(),
                messages::nextId);
        sessions.setHandover(migration);
        if (rejoin) {
            migration.recovered(); // this node's sessions, claimed in the cluster it joined
        }
    }

    /**
     * The Hookline node a Hazelcast member belongs to, for tasks that run on that member
     * ({@code cluster show}, {@code cluster leave} asked from another node).
     *
     * @throws IllegalStateException for a member no Hookline node started
     */
    static ClusterNode of(HazelcastInstance hz) {
        if (hz.getUserContext().get(CONTEXT_KEY) instanceof ClusterNode n) {
            return n;
        }
        throw new IllegalStateException("member " + hz.getName() + " is not a Hookline node");
    }

    /** Session migration (docs/cluster.md); null before {@link #start}. */
    public SessionMigration migration() {
        return migration;
    }

    /** The persistent sessions recovered at start: registered cluster-wide (after recovery, before listeners open). */
    public void sessionsRecovered() {
        SessionMigration m = migration;
        if (m != null) {
            m.recovered();
        }
    }

    /**
     * Sends {@code message} to every other node with a matching subscriber; returns how many.
     * A QoS 1/2 message's {@code batch} also waits for each of those nodes to store its part (the
     * publisher's acknowledgement waits on the batch); {@code congested} (may be null) hears of
     * the links above their high-water mark. On the publisher's thread, never blocking.
     */
    int forward(Message message, Consumer<List<Recipient>> congested, StoreBatch batch) {
        List<UUID> nodes = routes.nodesFor(message.topic());
        int n = 0;
        for (int i = 0; i < nodes.size(); i++) {
            UUID node = nodes.get(i);
            InetSocketAddress address = dataAddresses.get(node);
            if (address != null) {
                CompletionStage<Void> acked = data.publish(node, address, message);
                if (acked != null) {
                    batch.awaitAlso(acked);
                }
                if (congested != null) {
                    Recipient link = data.congested(node);
                    if (link != null) {
                        congested.accept(List.of(link));
                    }
                }
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

    /** Sends a frame to {@code node}; false (the frame released) when the node is not known here. */
    private boolean sendFrame(UUID node, io.netty.buffer.ByteBuf frame) {
        InetSocketAddress address = dataAddresses.get(node);
        if (address == null) {
            frame.release();
            return false;
        }
        data.send(node, address, frame);
        return true;
    }

    /** A frame with a message to {@code node} ({@link DataPlane#forward}); null when the node is not known here. */
    private CompletionStage<Void> forwardFrame(
            UUID node, byte type, int qos, java.util.function.Consumer<io.netty.buffer.ByteBuf> body) {
        InetSocketAddress address = dataAddresses.get(node);
        return address == null ? null : data.forward(node, address, type, qos, body);
    }

    /** Messages forwarded with a count of the sessions that took them (the HTTP API's matched). */
    RemoteCounts counts() {
        return counts;
    }

    /** Direct messages ({@code $direct/...}, the HTTP API) to clients connected on other nodes. */
    public ClusterDirect direct() {
        return direct;
    }

    /**
     * A retained message deleted by an operator ({@code retain delete}) here: deleted on every
     * node (a tombstone in the retained map, as an empty retained PUBLISH is).
     */
    public void retainedDeleted(String topic) {
        replicateRetained(new Message(
                messages.nextId(),
                topic,
                0,
                true,
                new byte[0],
                io.hookline.broker.routing.PublishProperties.NONE,
                null,
                0));
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

    // ---- cluster join / leave, offloading (MemberOps, NodeDirectory) ----------------------

    /** How clients connected here are moved; set by the broker once its listeners are open. */
    public void clientControl(ClientControl control) {
        this.control = control;
    }

    ClientControl control() {
        return control;
    }

    /** {@code cluster join} / {@code cluster leave} of this node. */
    public MemberOps members() {
        return new MemberOps(this);
    }

    HazelcastInstance hazelcast() {
        return hz;
    }

    NodeDirectory directory() {
        return directory;
    }

    /** Runs {@code task} on the cluster executor, in order with the metadata writes. */
    Executor ordered() {
        return ordered;
    }

    /** Whether {@code member} is in the cluster now (this node's view, no network call). */
    boolean isLive(UUID member) {
        return membership.isLive(member);
    }

    /** Puts this node's MQTT address and client count into the node directory (about once a second). */
    public void publishLoad(int connections) {
        ClientControl c = control;
        String mqtt = c == null ? null : c.mqttAddress();
        if (mqtt != null && hz != null) {
            ordered.execute(() -> directory.update(settings.nodeName(), mqtt, connections));
        }
    }

    /**
     * Where a new MQTT 5 client goes instead of here (offloading), or null: with more than
     * {@code max} clients connected here (0 = off), the least loaded other node, if it has at
     * least two clients fewer than this one. Reads local copies only; any thread.
     */
    public String offloadTarget(int max, int connections) {
        if (max <= 0 || connections <= max || hz == null) {
            return null;
        }
        NodeDirectory.Entry e = directory.leastLoaded(this::isLive);
        return e != null && e.connections() + 1 < connections ? e.mqtt() : null;
    }

    /** The live nodes with their load, from local copies only (empty when this node left its cluster). */
    public List<NodeLoad> nodes() {
        HazelcastInstance h = hz;
        List<NodeLoad> out = new ArrayList<>();
        if (h == null) {
            return out;
        }
        for (Member m : h.getCluster().getMembers()) {
            String name = m.getAttribute(NODE_ATTRIBUTE);
            NodeDirectory.Entry e = name == null ? null : directory.find(name, this::isLive);
            out.add(new NodeLoad(
                    name,
                    m.getAddress().getHost() + ":" + m.getAddress().getPort(),
                    e == null ? null : e.mqtt(),
                    e == null ? -1 : e.connections(),
                    m.localMember()));
        }
        out.sort(Comparator.comparing(NodeLoad::node, Comparator.nullsLast(Comparator.naturalOrder())));
        return out;
    }

    /** The MQTT address of the live node {@code name} (session disconnect --redirect), or null. */
    public String mqttAddressOf(String name) {
        NodeDirectory.Entry e = directory.find(name, this::isLive);
        return e == null ? null : e.mqtt();
    }

    /** Leaves the cluster: stops the member and forgets the other nodes. On the cluster executor. */
    void detach() {
        HazelcastInstance h = hz;
        hz = null;
        routes.stop();
        routes.shared().stop();
        directory.stop();
        retainedSync = null;
        clients = null;
        if (h != null) {
            GoodbyeTask.tellOthers(h, settings.nodeName()); // a leave, not a netsplit, for the others
            netsplit.alone();
            try {
                h.shutdown();
            } catch (RuntimeException e) {
                log.warn("cluster: member shutdown failed", e);
            }
        }
        membership.forgetAll();
    }

    /**
     * Joins the cluster of {@code newSeeds} with a new member (the data port stays): the routes,
     * the connected clients and the retained messages the cluster lacks are published again. On
     * the cluster executor.
     *
     * @throws IllegalStateException when the member cannot start or its name is taken
     */
    void attach(List<HostPort> newSeeds) {
        seeds = newSeeds;
        data.rejoin(); // every link was forgotten when this node left (detach)
        startMember();
        ClientRegistry c = clients;
        for (Session s : sessions.all()) {
            if (s.isOnline()) {
                c.connected(s.id());
            }
        }
        retainedSync.offerLocal();
    }

    @Override
    public void close() {
        if (migrationExecutor != null) {
            migrationExecutor
                    .shutdownNow(); // moves under way end: the other node times out, the session stays where it was
        }
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
        public CompletionStage<Void> publish(UUID from, Message m, Consumer<List<Recipient>> congested) {
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
            router.routeDirect(
                    local, congested, batch); // the shared groups' members were chosen where it was published
            CompletionStage<Void> stored = batch.commit();
            if (stored != StoreBatch.DONE) {
                stored.whenComplete((ok, failure) -> {
                    if (failure != null) {
                        log.error(
                                "cluster: message on '{}' from node {} not stored for its subscribers",
                                m.topic(),
                                from,
                                failure);
                    }
                });
            }
            return stored;
        }

        @Override
        public void linkCongested(UUID node) {
            metrics.count(BrokerMetrics.Counter.CLUSTER_LINKS_CONGESTED);
            log.debug("cluster: the data link to node {} is above cluster.outbound_high_watermark", node);
        }

        @Override
        public void linkDrained(Recipient link) {
            sessions.flow().release(link);
        }

        @Override
        public void migration(UUID from, byte type, io.netty.buffer.ByteBuf frame) {
            SessionMigration m = migration;
            if (m != null) {
                m.received(from, type, frame);
            }
        }

        @Override
        public CompletionStage<Void> frame(UUID from, byte type, io.netty.buffer.ByteBuf body) {
            if (type == Frames.COUNTED) {
                long request = body.readLong();
                counts.answered(request, body.readInt());
                return StoreBatch.DONE;
            }
            StoreBatch batch = stores.batch();
            if (type == Frames.SHARED) {
                shared.received(from, Frames.readShared(body, messages.nextId()), batch);
            } else if (type == Frames.PUBLISH_COUNTED) {
                long request = body.readLong();
                int n = router.routeDirect(Frames.readMessage(body, messages.nextId()), batch);
                sendFrame(from, Frames.counted(io.netty.buffer.ByteBufAllocator.DEFAULT, request, n));
            } else {
                SubscriberId to = Frames.readSubscriber(body);
                direct.received(from, to, Frames.readMessage(body, messages.nextId()), batch);
            }
            CompletionStage<Void> stored = batch.commit(); // a QoS 1/2 frame is acknowledged after it
            stored.whenComplete((ok, failure) -> {
                if (failure != null) {
                    log.error("cluster: a message from node {} not stored for its receiver", from, failure);
                }
            });
            return stored;
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

    /** A member left or died: its routes, shared-group counts, client ids and load go, on the cluster executor. */
    private void memberGone(UUID gone) {
        ordered.execute(() -> {
            try {
                routes.forget(gone);
                routes.shared().forget(gone);
                ClientRegistry c = clients;
                if (c != null) {
                    c.forget(gone);
                }
                directory.forget(gone);
            } catch (RuntimeException ex) {
                log.warn("cluster: cleanup after node {} failed", gone, ex);
            }
        });
    }
}
