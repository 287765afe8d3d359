package io.hookline.broker.cluster;

import com.hazelcast.map.IMap;
import com.hazelcast.query.Predicates;
import io.hookline.broker.routing.SubscriberId;
import java.util.UUID;
import java.util.concurrent.Executor;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client id, one connection, cluster-wide: the map {@value #MAP} says which node each
 * connected client id ({@code mountpoint\0client id}) is connected to. A node that accepts a
 * client puts itself there; when another node was there, that node is told to close its
 * connection ({@link Frames#TAKEOVER}; v5 DISCONNECT 0x8E). A node removes its entry when the
 * client goes offline, unless another node has taken it; a dead node's entries are removed by
 * the survivors.
 *
 * <p>Threading: the calls come from event loops; the map operations run in order on the
 * cluster executor, never on an event loop.
 */
final class ClientRegistry {

    static final String MAP = "hookline.clients";
    private static final Logger log = LoggerFactory.getLogger(ClientRegistry.class);

    private final IMap<String, String> map;
    private final String self;
    private final Executor executor;
    private final BiConsumer<UUID, SubscriberId> takeover;

    ClientRegistry(IMap<String, String> map, UUID self, Executor executor, BiConsumer<UUID, SubscriberId> takeover) {
        this.map = map;
        this.self = self.toString();
        this.executor = executor;
        this.takeover = takeover;
    }

    private static String key(SubscriberId id) {
        return id.mountpoint() + '\0' + id.clientId();
    }

    /** The client connected here (after its CONNACK). */
    void connected(SubscriberId id) {
        executor.execute(() -> {
            try {
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
        executor.execute(() -> {
            try {
                map.remove(key(id), self);
            } catch (RuntimeException e) {
                log.warn("cluster: client '{}' not unregistered cluster-wide", id.clientId(), e);
            }
        });
    }

    /** The node {@code id} is connected on (null: none); one asynchronous map read, never blocking. */
    java.util.concurrent.CompletionStage<UUID> nodeOf(SubscriberId id) {
        return map.getAsync(key(id)).thenApply(node -> node == null ? null : UUID.fromString(node));
    }

    /** Removes the entries of a node that left. On the cluster executor. */
    void forget(UUID node) {
        map.removeAll(Predicates.equal("this", node.toString()));
    }
}
