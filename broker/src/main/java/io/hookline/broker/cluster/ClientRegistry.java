package io.hookline.broker.cluster;

import com.hazelcast.map.IMap;
import com.hazelcast.query.Predicates;
import io.hookline.broker.routing.SubscriberId;
import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client id, one connection, cluster-wide: the map {@value #MAP} says which node each
 * connected client id ({@code mountpoint\0client id}) is connected to. A node that accepts a
 * client puts itself there (and when it connected into {@value #SINCE}); when another node was
 * there, that node is told to close its connection ({@link Frames#TAKEOVER}; v5 DISCONNECT 0x8E). A node removes its entry when the
 * client goes offline, unless another node has taken it; a dead node's entries are removed by
 * the survivors.
 *
 * <p>Threading: the calls come from event loops; the map operations run in order on the
 * cluster executor, never on an event loop.
 */
final class ClientRegistry {

    static final String MAP = "hookline.clients";
    /** When each client id in {@link #MAP} connected there (epoch millis): a heal keeps the later connection. */
    static final String SINCE = "hookline.clients.since";

    private static final Logger log = LoggerFactory.getLogger(ClientRegistry.class);

    private final IMap<String, String> map;
    private final IMap<String, Long> since;
    private volatile String self; // this member's id; a new one after a split-brain merge
    private final Map<String, Long> connectedAt = new ConcurrentHashMap<>(); // key -> when it connected here
    private final Executor executor;
    private final BiConsumer<UUID, SubscriberId> takeover;

    ClientRegistry(
            IMap<String, String> map,
            IMap<String, Long> since,
            UUID self,
            Executor executor,
            BiConsumer<UUID, SubscriberId> takeover) {
        this.map = map;
        this.since = since;
        this.self = self.toString();
        this.executor = executor;
        this.takeover = takeover;
    }

    private static String key(SubscriberId id) {
        return id.mountpoint() + '\0' + id.clientId();
    }

    /** The client connected here (after its CONNACK). */
    void connected(SubscriberId id) {
        long at = System.currentTimeMillis();
        connectedAt.put(key(id), at);
        executor.execute(() -> {
            try {
                since.set(key(id), at);
                String previous = map.put(key(id), self);
                if (previous != null && !previous.equals(self)) {
                    takeover.accept(UUID.fromString(previous), id);
                }
            } catch (RuntimeException e) {
                log.warn("cluster: client '{}' not registered cluster-wide", id.clientId(), e);
            }
        });
    }

    /** The client's connection here ended. */
    void disconnected(SubscriberId id) {
        connectedAt.remove(key(id));
        executor.execute(() -> {
            try {
                if (map.remove(key(id), self)) {
                    since.delete(key(id));
                }
            } catch (RuntimeException e) {
                log.warn("cluster: client '{}' not unregistered cluster-wide", id.clientId(), e);
            }
        });
    }

    /**
     * After a netsplit healed (this node merged into the other side; its member id may be new):
     * each client connected here is registered again under {@code selfId}. When another node
     * has the same client id connected (it connected on both sides), the later connection wins:
     * if it is this one the other node is told to close its connection, otherwise this node's
     * is closed through {@code yield} (both as a takeover: v5 DISCONNECT 0x8E). Runs on the
     * cluster executor.
     *
     * @return {registered again, kept here (the other node's closed), closed here}
     */
    int[] reconcile(UUID selfId, Set<UUID> members, Collection<SubscriberId> online, Consumer<SubscriberId> yield) {
        self = selfId.toString();
        int registered = 0;
        int kept = 0;
        int yielded = 0;
        for (SubscriberId id : online) {
            String key = key(id);
            String value = map.get(key);
            UUID owner = value == null ? null : parse(value);
            long here = connectedAt.getOrDefault(key, 0L);
            if (owner == null || !members.contains(owner)) {
                since.set(key, here);
                map.put(key, self);
                registered++;
            } else if (!owner.equals(selfId)) {
                Long there = since.get(key);
                if (there == null || here > there) {
                    since.set(key, here);
                    map.put(key, self);
                    takeover.accept(owner, id);
                    kept++;
                } else {
                    yield.accept(id);
                    yielded++;
                }
            }
        }
        return new int[] {registered, kept, yielded};
    }

    private static UUID parse(String node) {
        try {
            return UUID.fromString(node);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** The node {@code id} is connected on (null: none); one asynchronous map read, never blocking. */
    java.util.concurrent.CompletionStage<UUID> nodeOf(SubscriberId id) {
        return map.getAsync(key(id)).thenApply(node -> node == null ? null : UUID.fromString(node));
    }

    /** Removes the entries of a node that left. On the cluster executor. */
    void forget(UUID node) {
        Set<String> keys = map.keySet(Predicates.equal("this", node.toString()));
        map.removeAll(Predicates.equal("this", node.toString()));
        for (String key : keys) {
            since.delete(key);
        }
    }
}
