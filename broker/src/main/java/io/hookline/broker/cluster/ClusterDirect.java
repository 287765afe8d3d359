package io.hookline.broker.cluster;

import io.hookline.broker.routing.Message;
import io.hookline.broker.routing.RemoteClients;
import io.hookline.broker.routing.SubscriberId;
import io.hookline.broker.util.StoreBatch;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Direct messages across nodes: a {@code $direct/<client id>/<topic>} PUBLISH or a
 * {@code POST /api/v1/publish} with a client id, for a client that has no session on the node it
 * was sent to, goes to the node the client-id registry ({@code hookline.clients}) says the client
 * is connected on, as a {@link Frames#DIRECT} frame; that node hands it to the client's session
 * as a local direct message. The lookup is one asynchronous map read (at most {@value #TIMEOUT_MS}
 * ms). A QoS 0 message crosses at most once; a QoS 1/2 message travels on the acknowledged path
 * ({@link Frames#FORWARD_ACKED}), and the sender's batch (its PUBACK, the API's answer) waits for
 * the lookup and then for the receiving node, which acknowledges once the client's session there
 * stored it (at once when it has no such session: dropped, counted). A failed or empty lookup
 * lets the batch go on (the message reached nobody, logged).
 *
 * <p>Threading: {@link #send} from any thread, never blocking (the lookup completes on a
 * Hazelcast thread, which sends the frame); {@link #received} on the data plane's event loops.
 */
public final class ClusterDirect implements RemoteClients {

    /** What receives a direct message here: the local direct-message path; false when no session of that id is here. */
    public interface Sink {
        boolean deliver(SubscriberId to, Message message, StoreBatch batch);
    }

    static final long TIMEOUT_MS = 5000;
    private static final Logger log = LoggerFactory.getLogger(ClusterDirect.class);

    private final Supplier<ClientRegistry> clients;
    private final ClusterShared.Sender sender;
    private final AtomicLong unknown = new AtomicLong();
    private volatile Sink sink;
    private volatile UUID self;

    ClusterDirect(Supplier<ClientRegistry> clients, ClusterShared.Sender sender) {
        this.clients = clients;
        this.sender = sender;
    }

    void start(UUID selfId) {
        this.self = selfId;
    }

    /** Set once while the broker is built: where direct messages from other nodes go. */
    public void deliverWith(Sink local) {
        this.sink = local;
    }

    @Override
    public CompletionStage<Boolean> send(SubscriberId client, Message message, StoreBatch batch) {
        ClientRegistry registry = clients.get();
        UUID me = self;
        if (registry == null || me == null) {
            return CompletableFuture.completedFuture(false);
        }
        CompletableFuture<Void> acked = new CompletableFuture<>(); // the receiving node's acknowledgement
        if (message.qos() > 0) {
            batch.awaitAlso(acked); // before the caller commits; the lookup completes later
        }
        return registry.nodeOf(client)
                .toCompletableFuture()
                .orTimeout(TIMEOUT_MS, TimeUnit.MILLISECONDS)
                .handle((node, failure) -> {
                    if (failure != null) {
                        log.warn(
                                "cluster: where client '{}' is connected could not be read",
                                client.clientId(),
                                failure);
                        acked.complete(null);
                        return false;
                    }
                    CompletionStage<Void> sent = node == null || node.equals(me)
                            ? null
                            : sender.forward(node, Frames.DIRECT, message.qos(), Frames.directBody(client, message));
                    if (sent == null) {
                        acked.complete(null);
                        return false;
                    }
                    sent.whenComplete((ok, error) -> {
                        if (error == null) {
                            acked.complete(null);
                        } else {
                            acked.completeExceptionally(error);
                        }
                    });
                    return true;
                });
    }

    /** Another node sent a direct message for a client it says is connected here. */
    void received(UUID from, SubscriberId to, Message message, StoreBatch batch) {
        Sink s = sink;
        if (s == null || !s.deliver(to, message, batch)) {
            unknown.incrementAndGet();
            log.debug(
                    "cluster: direct message from node {} for client '{}', which has no session here; dropped",
                    from,
                    to.clientId());
        }
    }

    /** Direct messages from other nodes for clients that had no session here any more. */
    long unknown() {
        return unknown.get();
    }
}
