package io.hookline.broker.cluster;

import com.hazelcast.map.IMap;
import io.hookline.broker.routing.Delivery;
import io.hookline.broker.routing.SubscriberId;
import io.hookline.broker.routing.Subscription;
import io.hookline.broker.session.Session;
import io.hookline.broker.session.SessionHandover;
import io.hookline.broker.session.SessionRegistry;
import io.hookline.broker.session.SessionSnapshot;
import io.hookline.broker.session.SessionTransfer;
import io.hookline.broker.store.MessageQueue;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Persistent sessions move between nodes (docs/cluster.md, "Session migration"). The map
 * {@value #MAP} says which node holds each persistent session ({@code mountpoint\0client id} →
 * member id), connected or not. A CONNECT that does not start clean asks it first
 * ({@link #beforeAttach}); when another live node holds the session, this node pulls it over the
 * data plane: the session's state, then its queue page by page (each page stored before the next
 * is asked for), then it adopts the session (stored, subscriptions in the index, routes written),
 * then the old node ends its copy and sends what was queued there meanwhile. The CONNECT waits
 * for all of it, or for {@code cluster.failure_timeout} without progress (then it gets a fresh
 * session). {@link #migrateAll} pushes every persistent session of this node to the others.
 * This class is the node a session comes to, the directory and the frames' dispatch; the node a
 * session leaves is {@link MigrationExports}.
 *
 * <p>Threading: every step runs on the single migration thread (decoding on the data plane's
 * loops; store commits and Hazelcast calls complete asynchronously and come back to it), so the
 * two maps of moves need no lock; nothing here runs on a client's event loop but the lookup's start.
 */
public final class SessionMigration implements SessionHandover {

    static final String MAP = "hookline.sessions";
    private static final Logger log = LoggerFactory.getLogger(SessionMigration.class);
    /** A queue page holds up to this many messages, or stops once past {@link #PAGE_BYTES}. */
    static final int PAGE_MESSAGES = 1000;

    static final int PAGE_BYTES = 1 << 20;

    /** How a node reaches the others. */
    interface Peers {
        /** Sends {@code frame} to {@code node}; false (the frame released) when it is not a known member. */
        boolean send(UUID node, ByteBuf frame);

        boolean isMember(UUID node);

        /** The other members, now. */
        List<UUID> others();

        /** A node's name, for logs. */
        String name(UUID node);
    }

    /** This node's route table, as the end of a move asks it ({@link RouteTable#sends}). */
    interface Routes {
        /**
         * Whether this node's route table sends what matches {@code s} (a direct filter, or a
         * shared group) to {@code node} now: its route reached this node's replica.
         */
        boolean sends(UUID node, Subscription s);
    }

    /** How often the old node looks whether the new node's routes reached it, at the end of a move. */
    static final long ROUTE_CHECK_MILLIS = 5;

    /**
     * What {@link #migrateAll} did: sessions moved, sessions that stayed (failed), per target node
     * name, and why each one that stayed did (session as {@link SubscriberId#display()} → reason).
     */
    public record Result(int moved, int failed, Map<String, Integer> perNode, Map<String, String> stayed) {}

    private final IMap<String, String> directory;
    private final UUID self;
    private final SessionRegistry sessions;
    private final SessionTransfer transfer;
    private final Peers peers;
    private final ScheduledExecutorService executor;
    private final Executor
            routeWriter; // the cluster executor: a task queued there runs after the route writes before it
    private final long timeoutMillis;
    private final java.util.function.LongSupplier ids;
    private final AtomicLong moves = new AtomicLong();
    // on the migration thread only
    private final Map<Long, Import> imports = new HashMap<>();
    private final MigrationExports exports; // the node a session leaves

    SessionMigration(
            IMap<String, String> directory,
            UUID self,
            SessionRegistry sessions,
            Peers peers,
            Routes routes,
            ScheduledExecutorService executor,
            Executor routeWriter,
            long timeoutMillis,
            java.util.function.LongSupplier ids) {
        this.directory = directory;
        this.self = self;
        this.sessions = sessions;
        this.transfer = new SessionTransfer(sessions);
        this.peers = peers;
        this.executor = executor;
        this.exports = new MigrationExports(sessions, transfer, peers, routes, executor, timeoutMillis);
        this.routeWriter = routeWriter;
        this.timeoutMillis = timeoutMillis;
        this.ids = ids;
    }

    private static String key(SubscriberId id) {
        return id.mountpoint() + '\0' + id.clientId();
    }

    // ---- the directory ---------------------------------------------------------------------

    /** A persistent session is here now (connected, recovered or moved in). */
    void claim(SubscriberId id) {
        directory.setAsync(key(id), self.toString()).whenComplete((v, e) -> {
            if (e != null) {
                log.warn("cluster: session of '{}' not registered cluster-wide", id.clientId(), e);
            }
        });
    }

    /** The session ended here. */
    void release(SubscriberId id) {
        routeWriter.execute(() -> {
            try {
                directory.remove(key(id), self.toString());
            } catch (RuntimeException e) {
                log.warn("cluster: session of '{}' not unregistered cluster-wide", id.clientId(), e);
            }
        });
    }

    /**
     * The sessions recovered at start are here: each is claimed, unless another live node holds
     * that client id's session now (its client started over there while this node was down):
     * then the copy here is stale and is dropped, with a log line.
     */
    void recovered() {
        List<SubscriberId> ids = new ArrayList<>();
        for (Session s : sessions.all()) {
            if (s.expirySeconds() != 0) {
                ids.add(s.id());
            }
        }
        executor.execute(() -> {
            for (SubscriberId id : ids) {
                try {
                    String owner = directory.putIfAbsent(key(id), self.toString());
                    if (owner == null || owner.equals(self.toString())) {
                        continue;
                    }
                    UUID node = UUID.fromString(owner);
                    if (peers.isMember(node)) {
                        log.warn(
                                "cluster: the recovered session of '{}' is dropped: its client has a newer session on"
                                        + " node '{}' ({} messages queued here are lost)",
                                id.clientId(),
                                peers.name(node),
                                sessionQueue(id));
                        transfer.drop(id);
                    } else {
                        directory.set(key(id), self.toString());
                    }
                } catch (RuntimeException e) {
                    log.warn("cluster: recovered session of '{}' not registered cluster-wide", id.clientId(), e);
                }
            }
        });
    }

    private int sessionQueue(SubscriberId id) {
        Session s = sessions.get(id);
        return s == null ? 0 : s.queueSize();
    }

    // ---- the node a session comes to -----------------------------------------------------

    @Override
    public CompletionStage<Void> beforeAttach(SubscriberId id, boolean cleanStart) {
        if (cleanStart) { // a session elsewhere ends: nothing to wait for
            executor.execute(() -> dropElsewhere(id));
            return null;
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        executor.execute(() -> fetch(id, null, done));
        return done;
    }

    private void dropElsewhere(SubscriberId id) {
        directory
                .getAsync(key(id))
                .whenCompleteAsync(
                        (owner, e) -> {
                            UUID node = remote(owner);
                            if (node != null) {
                                peers.send(node, MigrationFrames.ask(ByteBufAllocator.DEFAULT, 0, id, true));
                            }
                        },
                        executor);
    }

    private UUID remote(String owner) {
        if (owner == null || owner.equals(self.toString())) {
            return null;
        }
        UUID node = UUID.fromString(owner);
        return peers.isMember(node) ? node : null;
    }

    // on the migration thread: asks the node that holds the session ({@code from}, or the directory's)
    private void fetch(SubscriberId id, UUID from, CompletableFuture<Void> done) {
        if (from != null) {
            start(id, from, done);
            return;
        }
        long asked = System.nanoTime();
        directory
                .getAsync(key(id))
                .toCompletableFuture()
                .orTimeout(timeoutMillis, TimeUnit.MILLISECONDS)
                .whenCompleteAsync(
                        (owner, e) -> {
                            if (e != null) {
                                log.warn(
                                        "cluster: where the session of '{}' lives is unknown ({}): it starts fresh here",
                                        id.clientId(),
                                        e.toString());
                                done.complete(null);
                                return;
                            }
                            if (owner != null && !owner.equals(self.toString()) && remote(owner) == null) {
                                log.warn(
                                        "cluster: the session of '{}' was on node {}, which is gone: it starts fresh"
                                                + " here (the old one stays on that node's disk)",
                                        id.clientId(),
                                        owner);
                            }
                            UUID node = remote(owner);
                            if (node == null) {
                                done.complete(null);
                            } else {
                                start(id, node, done);
                            }
                        },
                        executor);
    }

    private void start(SubscriberId id, UUID from, CompletableFuture<Void> done) {
        for (Import running : imports.values()) {
            if (running.id.equals(id)) { // a second CONNECT of the same client id: it waits for the same move
                running.done.whenComplete((v, e) -> done.complete(null));
                return;
            }
        }
        Import im = new Import(moves.incrementAndGet(), from, id, done);
        imports.put(im.move, im);
        im.arm();
        if (!peers.send(from, MigrationFrames.ask(ByteBufAllocator.DEFAULT, im.move, id, false))) {
            fail(im, "node gone");
        }
    }

    /** A migration frame from {@code from}: decoded here (the data plane's loop), handled on the migration thread. */
    void received(UUID from, byte type, ByteBuf frame) {
        MigrationFrames.In in = MigrationFrames.read(type, frame, ids);
        executor.execute(() -> {
            try {
                handle(from, in);
            } catch (RuntimeException e) {
                log.error("cluster: session migration frame {} from node '{}' failed", in.type(), peers.name(from), e);
            }
        });
    }

    private void handle(UUID from, MigrationFrames.In in) {
        switch (in.type()) {
            case Frames.MIGRATE_ASK -> exports.ask(from, in);
            case Frames.MIGRATE_PULL -> exports.pull(from, in);
            case Frames.MIGRATE_COMMIT -> exports.commit(from, in);
            case Frames.MIGRATE_ABORT -> exports.aborted(from, in);
            case Frames.MIGRATE_PUSH -> fetch(in.client(), from, new CompletableFuture<>());
            default -> {
                Import im = imports.get(in.move());
                if (im == null || !im.source.equals(from)) {
                    return; // timed out meanwhile: the other node hears ABORT or times out too
                }
                im.arm();
                switch (in.type()) {
                    case Frames.MIGRATE_STATE -> state(im, in.snapshot());
                    case Frames.MIGRATE_PAGE -> page(im, in.cursor(), in.deliveries());
                    case Frames.MIGRATE_DONE -> done(im, in.flag(), in.deliveries());
                    default -> {}
                }
            }
        }
    }

    private void state(Import im, SessionSnapshot snapshot) {
        if (snapshot == null) {
            log.debug("cluster: node '{}' has no session of '{}'", peers.name(im.source), im.id.clientId());
            finish(im);
            return;
        }
        im.snapshot = snapshot;
        im.queue = transfer.openQueue(im.id);
        peers.send(im.source, MigrationFrames.pull(ByteBufAllocator.DEFAULT, im.move, 0));
    }

    private void page(Import im, long next, List<Delivery> page) {
        if (page.isEmpty()) {
            adopt(im);
            return;
        }
        im.queued += page.size();
        transfer.addPage(im.queue, page)
                .whenCompleteAsync(
                        (v, e) -> {
                            if (imports.get(im.move) != im) {
                                return;
                            }
                            if (e != null) {
                                fail(im, "not stored: " + reason(e));
                            } else {
                                peers.send(im.source, MigrationFrames.pull(ByteBufAllocator.DEFAULT, im.move, next));
                            }
                        },
                        executor);
    }

    private void adopt(Import im) {
        CompletionStage<Void> stored = transfer.adopt(im.snapshot, im.queue);
        if (stored == null) {
            fail(im, "a session of that id appeared here meanwhile");
            return;
        }
        im.adopted = true;
        stored.whenCompleteAsync(
                (v, e) -> {
                    if (imports.get(im.move) != im) {
                        return;
                    }
                    if (e != null) {
                        transfer.drop(im.id);
                        fail(im, "not stored: " + reason(e));
                        return;
                    }
                    // the routes of its filters were queued on the cluster executor by the adopt: once
                    // they are written, the old node may remove its own
                    routeWriter.execute(() -> executor.execute(() -> {
                        if (imports.get(im.move) != im) {
                            return;
                        }
                        im.committed = true;
                        claim(im.id);
                        peers.send(im.source, MigrationFrames.commit(ByteBufAllocator.DEFAULT, im.move));
                    }));
                },
                executor);
    }

    private void done(Import im, boolean ok, List<Delivery> tail) {
        if (!ok) {
            log.warn(
                    "cluster: node '{}' kept the session of '{}' (its client came back there): it starts fresh here",
                    peers.name(im.source),
                    im.id.clientId());
            transfer.drop(im.id);
            finish(im);
            return;
        }
        transfer.append(im.id, tail)
                .whenCompleteAsync(
                        (v, e) -> {
                            if (e != null) {
                                log.error(
                                        "cluster: {} messages queued during the move of '{}' not stored",
                                        tail.size(),
                                        im.id,
                                        e);
                            }
                            log.info(
                                    "cluster: session of '{}' moved here from node '{}': {} subscriptions, {} queued, {} in"
                                            + " flight, {} queued during the move, {} ms",
                                    im.id.clientId(),
                                    peers.name(im.source),
                                    im.snapshot.subscriptions().size(),
                                    im.queued,
                                    im.snapshot.inflight().size(),
                                    tail.size(),
                                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - im.started));
                            finish(im);
                        },
                        executor);
    }

    private void fail(Import im, String why) {
        if (imports.get(im.move) != im) {
            return;
        }
        if (im.committed) {
            log.warn(
                    "cluster: node '{}' did not confirm the end of its copy of the session of '{}' ({}); the session"
                            + " is stored here and goes on here",
                    peers.name(im.source),
                    im.id.clientId(),
                    why);
        } else {
            log.warn(
                    "cluster: the session of '{}' did not come from node '{}' ({}): it starts fresh here, the old one"
                            + " stays there",
                    im.id.clientId(),
                    peers.name(im.source),
                    why);
            if (im.adopted) {
                transfer.drop(im.id);
            } else if (im.queue != null) {
                transfer.discard(im.queue);
            }
            peers.send(im.source, MigrationFrames.abort(ByteBufAllocator.DEFAULT, im.move, why));
        }
        finish(im);
    }

    /** A store failure as a reason: the store's own message, without the CompletionException around it. */
    private static String reason(Throwable e) {
        Throwable cause =
                e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
        return cause.getMessage() == null ? cause.toString() : cause.getMessage();
    }

    private void finish(Import im) {
        imports.remove(im.move);
        if (im.timer != null) {
            im.timer.cancel(false);
        }
        im.done.complete(null);
    }

    /** One session coming here. On the migration thread. */
    private final class Import {
        final long move;
        final UUID source;
        final SubscriberId id;
        final CompletableFuture<Void> done;
        final long started = System.nanoTime();
        SessionSnapshot snapshot;
        MessageQueue queue;
        int queued;
        boolean adopted;
        boolean committed;
        ScheduledFuture<?> timer;

        Import(long move, UUID source, SubscriberId id, CompletableFuture<Void> done) {
            this.move = move;
            this.source = source;
            this.id = id;
            this.done = done;
        }

        /** Progress: the timeout starts again. */
        void arm() {
            if (timer != null) {
                timer.cancel(false);
            }
            timer = executor.schedule(
                    () -> fail(this, "no progress for " + timeoutMillis + " ms"), timeoutMillis, TimeUnit.MILLISECONDS);
        }
    }

    // ---- pushing every session out (cluster leave --migrate_sessions) --------------------

    /**
     * Pushes every persistent session of this node to the other nodes, round-robin, starting
     * with the node holding the fewest sessions pushed so far (connected clients get
     * DISCONNECT 0x8E and reconnect where they like; their session follows them on connect).
     * {@code parallel} moves run at once. Completes once every move ended; a session whose
     * move failed stays here.
     *
     * @throws IllegalStateException when there is no other node
     */
    public CompletionStage<Result> migrateAll(int parallel) {
        return exports.migrateAll(parallel);
    }
}
