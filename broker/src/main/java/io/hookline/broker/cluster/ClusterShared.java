package io.hookline.broker.cluster;

import io.hookline.broker.config.SharedSubscriptionPolicy;
import io.hookline.broker.routing.Message;
import io.hookline.broker.routing.Recipient;
import io.hookline.broker.routing.Router;
import io.hookline.broker.routing.SharedDispatch;
import io.hookline.broker.routing.SharedGroup;
import io.hookline.broker.util.StoreBatch;
import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Shared subscription groups across nodes (docs/cluster.md): one member of each matching group
 * cluster-wide gets a message. The node the message is published on picks a node per group by
 * {@code shared_subscription_policy} (or the publisher's): {@code random} and
 * {@code round_robin} over all members of the cluster (a node weighted by its member count),
 * {@code prefer_local} a member here when one takes it, else another node, {@code local_only}
 * only here. The chosen node picks its member as a single broker does (online members that keep
 * up first). A node that has no member any more when the message arrives passes it on to another
 * node with members that has not had it (the frame carries the nodes tried); when none is left
 * the message is dropped, logged and counted.
 *
 * <p>A QoS 1/2 message travels on the acknowledged path ({@link Frames#FORWARD_ACKED}): the
 * publisher's batch waits for the chosen node, and that node acknowledges once it stored the
 * message for its member, or, when it passed it on, once the next node acknowledged it (so the
 * acknowledgement follows the message to the node that has it), or at once when it dropped it
 * (logged and counted: no node has a member).
 *
 * <p>Threading: {@link #dispatch} runs on the publisher's thread, {@link #received} on the data
 * plane's event loops; both are lock-free and never block.
 */
final class ClusterShared implements SharedDispatch {

    /** Sends frames that carry a message to other nodes: {@link DataPlane#forward}. */
    interface Sender {
        /**
         * Sends a frame of {@code type} ({@code body} after the type) to {@code node}: null when
         * the node is unknown (gone); {@link StoreBatch#DONE} for QoS 0 (at most once); for QoS
         * 1/2 the stage of that node's acknowledgement.
         */
        CompletionStage<Void> forward(UUID node, byte type, int qos, Consumer<ByteBuf> body);
    }

    private static final Logger log = LoggerFactory.getLogger(ClusterShared.class);
    private static final SharedSubscriptionPolicy[] POLICIES = SharedSubscriptionPolicy.values();
    /** How long a passed-on message's acknowledgement waits for the next node's, at most. */
    static final long PASS_ON_WAIT_MILLIS = 5000;

    private final SharedRoutes routes;
    private final Router router;
    private final Sender sender;
    private final Map<String, AtomicLong> cursors = new ConcurrentHashMap<>(); // round_robin, per group
    private final AtomicLong forwarded = new AtomicLong();
    private final AtomicLong passedOn = new AtomicLong();
    private final AtomicLong lost = new AtomicLong();
    private volatile UUID self;

    ClusterShared(SharedRoutes routes, Router router, Sender sender) {
        this.routes = routes;
        this.router = router;
        this.sender = sender;
    }

    void start(UUID selfId) {
        this.self = selfId;
    }

    @Override
    public int dispatch(
            List<SharedGroup> local,
            Message message,
            SharedSubscriptionPolicy policy,
            Consumer<List<Recipient>> congested,
            StoreBatch batch) {
        int count = 0;
        if (policy == SharedSubscriptionPolicy.LOCAL_ONLY
                || self == null
                || message.topic().startsWith("$SYS")) {
            for (int i = 0; i < local.size(); i++) {
                count += router.deliverShared(local.get(i), message, policy, congested, batch);
            }
            return count;
        }
        List<SharedRoutes.Remote> remote = routes.match(message.topic());
        Map<String, SharedRoutes.Remote> byKey = null;
        if (!remote.isEmpty()) {
            byKey = new HashMap<>();
            for (SharedRoutes.Remote r : remote) {
                byKey.put(SharedRoutes.groupKey(r.group(), r.filter()), r);
            }
        }
        for (int i = 0; i < local.size(); i++) {
            SharedGroup g = local.get(i);
            SharedRoutes.Remote r = byKey == null ? null : byKey.remove(SharedRoutes.groupKey(g.group(), g.filter()));
            count += pick(g, r, message, policy, congested, batch);
        }
        if (byKey != null) {
            for (SharedRoutes.Remote r : byKey.values()) {
                count += pick(null, r, message, policy, congested, batch);
            }
        }
        return count;
    }

    // one group: here (g's members) or a node of r
    private int pick(
            SharedGroup g,
            SharedRoutes.Remote r,
            Message message,
            SharedSubscriptionPolicy policy,
            Consumer<List<Recipient>> congested,
            StoreBatch batch) {
        int here = g == null ? 0 : g.members().size();
        if (r == null) {
            return here == 0 ? 0 : router.deliverShared(g, message, policy, congested, batch);
        }
        int total = here + r.total();
        long slot = policy == SharedSubscriptionPolicy.ROUND_ROBIN
                ? Math.floorMod(
                        cursors.computeIfAbsent(SharedRoutes.groupKey(r.group(), r.filter()), k -> new AtomicLong())
                                .getAndIncrement(),
                        (long) total)
                : ThreadLocalRandom.current().nextInt(total);
        List<UUID> tried = List.of();
        if (policy == SharedSubscriptionPolicy.PREFER_LOCAL || slot < here) {
            if (here > 0 && router.deliverShared(g, message, policy, congested, batch) == 1) {
                return 1;
            }
            // nobody here took it (none may read it, or the last one just left): another node
            slot = here + ThreadLocalRandom.current().nextInt(r.total());
            tried = List.of(self);
        }
        UUID node = nodeAt(r, slot - here);
        Frames.Shared frame = new Frames.Shared(r.group(), r.filter(), policy.ordinal(), tried, message);
        if (forward(node, frame, batch, false) == 1) {
            return 1;
        }
        // that node has just left (its entries not removed yet): a member here, else another node
        if (tried.isEmpty() && here > 0 && router.deliverShared(g, message, policy, congested, batch) == 1) {
            return 1;
        }
        for (UUID other : r.members().keySet()) {
            if (!other.equals(node) && forward(other, frame, batch, false) == 1) {
                return 1;
            }
        }
        return 0;
    }

    // the node holding member number slot (0-based) of r, nodes in id order
    private static UUID nodeAt(SharedRoutes.Remote r, long slot) {
        long at = slot;
        UUID last = null;
        for (Map.Entry<UUID, Integer> e : r.members().entrySet()) {
            last = e.getKey();
            if (at < e.getValue()) {
                return last;
            }
            at -= e.getValue();
        }
        return last;
    }

    /**
     * A QoS 1/2 message's batch waits for that node's acknowledgement; a pass-on's at most
     * {@value #PASS_ON_WAIT_MILLIS} ms: acknowledgements are in order per link, so pass-ons around
     * a ring of three or more nodes could otherwise each wait behind the next for ever. The
     * message is still kept and resent by this node's link until that node acknowledges it.
     */
    private int forward(UUID node, Frames.Shared frame, StoreBatch batch, boolean passOn) {
        CompletionStage<Void> sent =
                sender.forward(node, Frames.SHARED, frame.message().qos(), Frames.sharedBody(frame));
        if (sent == null) {
            return 0;
        }
        if (sent != StoreBatch.DONE) {
            batch.awaitAlso(
                    passOn
                            ? sent.toCompletableFuture()
                                    .copy()
                                    .completeOnTimeout(null, PASS_ON_WAIT_MILLIS, TimeUnit.MILLISECONDS)
                            : sent);
        }
        forwarded.incrementAndGet();
        return 1;
    }

    /**
     * A node chose this one for a member of a group: a member here takes it (staged in
     * {@code batch}), else another node that has not had it yet ({@code batch} then waits for that
     * node's acknowledgement), else it is lost (logged). {@code message} has this node's id.
     */
    void received(UUID from, Frames.Shared f, StoreBatch batch) {
        SharedSubscriptionPolicy policy = POLICIES[Math.floorMod(f.policy(), POLICIES.length)];
        if (router.deliverShared(f.group(), f.filter(), f.message(), policy, null, batch) == 1) {
            return;
        }
        SharedRoutes.Remote r = routes.lookup(f.group(), f.filter());
        List<UUID> tried = new ArrayList<>(f.tried());
        tried.add(self);
        if (r != null) {
            r.members().keySet().removeAll(tried);
            if (!r.members().isEmpty() && tried.size() < 255) {
                UUID node = nodeAt(r, ThreadLocalRandom.current().nextInt(r.total()));
                Frames.Shared next = new Frames.Shared(f.group(), f.filter(), f.policy(), tried, f.message());
                if (forward(node, next, batch, true) == 1) {
                    passedOn.incrementAndGet();
                    return;
                }
            }
        }
        lost.incrementAndGet();
        log.warn(
                "cluster: a message on '{}' for $share/{}/{} (from node {}) found no member on the {} node(s) it was sent"
                        + " to and none is left; dropped",
                f.message().topic(),
                f.group(),
                f.filter(),
                from,
                tried.size());
    }

    /** Messages sent to another node for a shared group's member (first choice). */
    long forwarded() {
        return forwarded.get();
    }

    /** Messages passed on because this node had no member for them any more. */
    long passedOn() {
        return passedOn.get();
    }

    /** Messages no node had a member for. */
    long lost() {
        return lost.get();
    }
}
