package io.hookline.broker.cluster;

import io.hookline.broker.routing.Delivery;
import io.hookline.broker.routing.Message;
import io.hookline.broker.routing.SubscriberId;
import io.hookline.broker.routing.Subscription;
import io.hookline.broker.session.Session;
import io.hookline.broker.session.SessionRegistry;
import io.hookline.broker.session.SessionSnapshot;
import io.hookline.broker.session.SessionTransfer;
import io.netty.buffer.ByteBufAllocator;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Session migration on the node a session leaves ({@link SessionMigration} is the node it comes
 * to, and the frames' dispatch): the session's state and queue pages to the node that asked, the
 * end of this copy on COMMIT (once this node's route table shows the new node's routes, the end
 * window of docs/cluster.md) with what was queued meanwhile, and {@link #migrateAll} pushing every
 * session out.
 *
 * <p>Threading: on the migration thread only (the one {@link SessionMigration} runs on), so the
 * maps need no lock.
 */
final class MigrationExports {

    private static final Logger log = LoggerFactory.getLogger(MigrationExports.class);

    private final SessionRegistry sessions;
    private final SessionTransfer transfer;
    private final SessionMigration.Peers peers;
    private final SessionMigration.Routes routes;
    private final ScheduledExecutorService executor;
    private final long timeoutMillis;
    private final Map<String, Export> exports = new HashMap<>(); // by target node + move
    // a pushed session's outcome: null when it moved, else why it stayed
    private final Map<SubscriberId, CompletableFuture<String>> pushed = new HashMap<>();

    MigrationExports(
            SessionRegistry sessions,
            SessionTransfer transfer,
            SessionMigration.Peers peers,
            SessionMigration.Routes routes,
            ScheduledExecutorService executor,
            long timeoutMillis) {
        this.sessions = sessions;
        this.transfer = transfer;
        this.peers = peers;
        this.routes = routes;
        this.executor = executor;
        this.timeoutMillis = timeoutMillis;
    }

    /** ASK: the session's state to the node that asked (a clean start there: the session here ends). */
    void ask(UUID from, MigrationFrames.In in) {
        if (in.flag()) { // a clean start there: the session here ends
            if (sessions.get(in.client()) != null) {
                log.info(
                        "cluster: client '{}' started clean on node '{}': its session here ends",
                        in.client().clientId(),
                        peers.name(from));
                transfer.drop(in.client());
            }
            return;
        }
        SessionTransferExport e = begin(from, in);
        peers.send(from, MigrationFrames.state(ByteBufAllocator.DEFAULT, in.move(), e == null ? null : e.snapshot));
    }

    private record SessionTransferExport(SessionSnapshot snapshot) {}

    private SessionTransferExport begin(UUID to, MigrationFrames.In in) {
        SessionTransfer.Export x = transfer.beginExport(in.client());
        if (x == null) {
            return null;
        }
        Export e = new Export(to, in.move(), x.session());
        exports.put(e.key(), e);
        e.arm();
        return new SessionTransferExport(x.snapshot());
    }

    /** PULL: the next page of the queue. */
    void pull(UUID from, MigrationFrames.In in) {
        Export e = exports.get(exportKey(from, in.move()));
        if (e == null) {
            peers.send(from, MigrationFrames.done(ByteBufAllocator.DEFAULT, in.move(), false, List.of()));
            return;
        }
        e.arm();
        List<Delivery> page = new ArrayList<>();
        long cursor = in.cursor();
        long bytes = 0;
        while (page.size() < SessionMigration.PAGE_MESSAGES && bytes < SessionMigration.PAGE_BYTES) {
            int before = page.size();
            cursor = transfer.page(e.session, cursor, Math.min(128, SessionMigration.PAGE_MESSAGES - before), page);
            if (page.size() == before) {
                break;
            }
            for (int i = before; i < page.size(); i++) {
                Message m = page.get(i).message();
                bytes += m.payload().length + m.topic().length() + 64;
            }
        }
        e.cursor = cursor;
        peers.send(from, MigrationFrames.page(ByteBufAllocator.DEFAULT, in.move(), cursor, page));
    }

    /** COMMIT: the new node has the session stored and its routes written: this copy ends. */
    void commit(UUID from, MigrationFrames.In in) {
        Export e = exports.get(exportKey(from, in.move()));
        if (e == null) {
            peers.send(from, MigrationFrames.done(ByteBufAllocator.DEFAULT, in.move(), false, List.of()));
            return;
        }
        e.timer.cancel(false);
        // half the new node's wait for DONE: it does not give up on us while we wait here
        awaitRoutes(e, from, in, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis / 2));
    }

    /**
     * The end window (docs/cluster.md, "Session migration"): this copy ends only once this node's
     * route table sends every filter and shared group of the session to the new node, so a message
     * published here meanwhile is queued here (and comes in the tail) or goes there, never to
     * nobody. Bounded: after {@code deadline} the copy ends anyway, logged.
     */
    private void awaitRoutes(Export e, UUID from, MigrationFrames.In in, long deadline) {
        if (exports.get(e.key()) != e) {
            return; // aborted meanwhile
        }
        int missing = 0;
        for (Subscription s : e.session.subscriptions()) {
            if (!routes.sends(from, s)) {
                missing++;
            }
        }
        if (missing > 0 && System.nanoTime() - deadline < 0) {
            executor.schedule(
                    () -> awaitRoutes(e, from, in, deadline),
                    SessionMigration.ROUTE_CHECK_MILLIS,
                    TimeUnit.MILLISECONDS);
            return;
        }
        if (missing > 0) {
            log.warn(
                    "cluster: {} route(s) of the session of '{}' on node '{}' not seen here after {} ms; ending"
                            + " this copy anyway (a message published here before they arrive may reach nobody)",
                    missing,
                    e.session.clientId(),
                    peers.name(from),
                    timeoutMillis / 2);
        }
        exports.remove(e.key());
        List<Delivery> tail = transfer.finishExport(e.session, e.cursor);
        peers.send(
                from,
                MigrationFrames.done(
                        ByteBufAllocator.DEFAULT, in.move(), tail != null, tail == null ? List.of() : tail));
        if (tail != null) {
            log.info(
                    "cluster: session of '{}' moved to node '{}' ({} queued during the move went with it)",
                    e.session.clientId(),
                    peers.name(from),
                    tail.size());
        }
        settlePush(e.session.id(), tail != null ? null : "its client connected here again during the move");
    }

    /** ABORT: the new node gave up; the session stays here. */
    void aborted(UUID from, MigrationFrames.In in) {
        Export e = exports.remove(exportKey(from, in.move()));
        if (e != null) {
            e.timer.cancel(false);
            String why =
                    "node '" + peers.name(from) + "' gave up: " + (in.reason() == null ? "no reason" : in.reason());
            log.warn("cluster: the session of '{}' stays here ({})", e.session.clientId(), why);
            settlePush(e.session.id(), why);
        }
    }

    /** A pushed session's move ended: {@code failure} null when it moved, else why it stayed here. */
    private void settlePush(SubscriberId id, String failure) {
        CompletableFuture<String> f = pushed.remove(id);
        if (f != null) {
            f.complete(failure);
        }
    }

    private static String exportKey(UUID node, long move) {
        return node + "/" + move;
    }

    /** One session leaving. On the migration thread. */
    private final class Export {
        final UUID to;
        final long move;
        final Session session;
        long cursor;
        ScheduledFuture<?> timer;

        Export(UUID to, long move, Session session) {
            this.to = to;
            this.move = move;
            this.session = session;
        }

        String key() {
            return exportKey(to, move);
        }

        void arm() {
            if (timer != null) {
                timer.cancel(false);
            }
            timer = executor.schedule(
                    () -> {
                        if (exports.remove(key()) == this) {
                            log.warn(
                                    "cluster: node '{}' stopped taking the session of '{}': it stays here",
                                    peers.name(to),
                                    session.clientId());
                            settlePush(
                                    session.id(),
                                    "node '" + peers.name(to) + "' stopped taking it (no progress for " + timeoutMillis
                                            + " ms)");
                        }
                    },
                    timeoutMillis,
                    TimeUnit.MILLISECONDS);
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
    CompletionStage<SessionMigration.Result> migrateAll(int parallel) {
        List<UUID> targets = peers.others();
        if (targets.isEmpty()) {
            throw new IllegalStateException("no other node to move the sessions to");
        }
        List<SubscriberId> ids = new ArrayList<>();
        for (Session s : sessions.all()) {
            if (s.expirySeconds() != 0 && !s.isEnded()) {
                ids.add(s.id());
            }
        }
        CompletableFuture<SessionMigration.Result> result = new CompletableFuture<>();
        executor.execute(() -> new Push(ids, targets, Math.max(1, parallel), result).next());
        return result;
    }

    /** Pushes a list of sessions, a few at a time. On the migration thread. */
    private final class Push {
        final List<SubscriberId> ids;
        final List<UUID> targets;
        final int parallel;
        final CompletableFuture<SessionMigration.Result> result;
        final Map<String, Integer> perNode = new java.util.TreeMap<>();
        final Map<String, String> stayed = new java.util.TreeMap<>();
        int nextId;
        int nextTarget;
        int running;
        int moved;
        int failed;

        Push(
                List<SubscriberId> ids,
                List<UUID> targets,
                int parallel,
                CompletableFuture<SessionMigration.Result> result) {
            this.ids = ids;
            this.targets = targets;
            this.parallel = parallel;
            this.result = result;
        }

        void next() {
            while (running < parallel && nextId < ids.size()) {
                SubscriberId id = ids.get(nextId++);
                UUID to = targets.get(nextTarget++ % targets.size());
                if (pushed.containsKey(id) || sessions.get(id) == null) {
                    continue;
                }
                CompletableFuture<String> f = new CompletableFuture<>();
                pushed.put(id, f);
                running++;
                ScheduledFuture<?> timer = executor.schedule( // the other node never asked for it
                        () -> {
                            if (exports.values().stream()
                                    .noneMatch(x -> x.session.id().equals(id))) {
                                settlePush(
                                        id,
                                        "node '" + peers.name(to) + "' did not ask for it within " + timeoutMillis
                                                + " ms");
                            }
                        },
                        timeoutMillis,
                        TimeUnit.MILLISECONDS);
                if (!peers.send(to, MigrationFrames.push(ByteBufAllocator.DEFAULT, id))) {
                    settlePush(id, "node '" + peers.name(to) + "' is no longer a member");
                }
                f.whenComplete((failure, e) -> executor.execute(() -> {
                    timer.cancel(false);
                    running--;
                    if (failure == null) {
                        moved++;
                        perNode.merge(peers.name(to), 1, Integer::sum);
                    } else {
                        failed++;
                        stayed.put(id.display(), failure);
                    }
                    next();
                }));
            }
            if (running == 0 && nextId >= ids.size()) {
                log.info("cluster: sessions pushed to the other nodes: {} moved, {} stayed here", moved, failed);
                result.complete(new SessionMigration.Result(moved, failed, perNode, stayed));
            }
        }
    }
}
