package io.hookline.broker.cluster;

import io.hookline.broker.routing.Message;
import io.hookline.broker.util.StoreBatch;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code matched} count of {@code POST /api/v1/publish} cluster-wide: the message goes to the
 * nodes with a match as a {@link Frames#PUBLISH_COUNTED} frame (routed there as a forwarded
 * PUBLISH is, in the same order), and each answers with how many of its sessions took it
 * ({@link Frames#COUNTED}). A QoS 1/2 message travels on the acknowledged path
 * ({@link Frames#FORWARD_ACKED}): the publish's batch waits for each node's store write, as for a
 * forwarded PUBLISH (the count answer is separate and may come first). The count completes when every node has answered or after
 * {@value #TIMEOUT_MS} ms; a node that has not answered by then counts as one (a lower bound
 * that still says "someone there"), logged at debug.
 *
 * <p>Threading: {@link #forward} on the caller's thread, never blocking; answers arrive on the
 * data plane's event loops; the pending requests are a concurrent map.
 */
final class RemoteCounts {

    static final long TIMEOUT_MS = 2000;
    private static final Logger log = LoggerFactory.getLogger(RemoteCounts.class);

    private final RouteTable routes;
    private final ClusterShared.Sender sender;
    private final AtomicLong ids = new AtomicLong();
    private final Map<Long, Pending> pending = new ConcurrentHashMap<>();

    RemoteCounts(RouteTable routes, ClusterShared.Sender sender) {
        this.routes = routes;
        this.sender = sender;
    }

    /** One request's answers so far. */
    private static final class Pending {
        final CompletableFuture<Integer> done = new CompletableFuture<>();
        final AtomicInteger waiting;
        final AtomicInteger sum = new AtomicInteger();

        Pending(int nodes) {
            waiting = new AtomicInteger(nodes);
        }
    }

    /**
     * Sends {@code m} to every other node with a match; completes with how many sessions there
     * took it. {@code batch} (QoS 1/2) also waits for each of those nodes to store its part.
     */
    CompletionStage<Integer> forward(Message m, StoreBatch batch) {
        List<UUID> nodes = routes.nodesFor(m.topic());
        if (nodes.isEmpty()) {
            return CompletableFuture.completedFuture(0);
        }
        long id = ids.incrementAndGet();
        Pending p = new Pending(nodes.size());
        pending.put(id, p);
        for (UUID node : nodes) {
            CompletionStage<Void> sent =
                    sender.forward(node, Frames.PUBLISH_COUNTED, m.qos(), Frames.countedBody(id, m));
            if (sent == null) {
                answered(id, 0); // gone: nobody there
            } else if (sent != StoreBatch.DONE) {
                batch.awaitAlso(sent);
            }
        }
        return p.done.orTimeout(TIMEOUT_MS, TimeUnit.MILLISECONDS).exceptionally(failure -> {
            pending.remove(id);
            int late = p.waiting.get();
            if (failure instanceof TimeoutException) {
                log.debug("cluster: {} node(s) did not count a message on '{}' in time; one each", late, m.topic());
            }
            return p.sum.get() + late;
        });
    }

    /** A node answered request {@code id}: {@code sessions} took the message there. */
    void answered(long id, int sessions) {
        Pending p = pending.get(id);
        if (p == null) {
            return; // timed out already
        }
        p.sum.addAndGet(sessions);
        if (p.waiting.decrementAndGet() == 0) {
            pending.remove(id);
            p.done.complete(p.sum.get());
        }
    }
}
