package io.hookline.broker.routing;

import io.hookline.broker.util.StoreBatch;
import java.util.concurrent.CompletionStage;

/**
 * Clients connected to other brokers of a cluster, for direct messages ({@code $direct/...}, the
 * HTTP API) to a client id that has no session here. Absent on a single broker. Thread-safe;
 * never blocks: the answer comes later.
 */
public interface RemoteClients {

    /**
     * Hands {@code message} (its topic already the receiver's) to the node {@code client} is
     * connected on; completes with true when it was sent there, false when the client is connected
     * on no other node (or the lookup failed or timed out, logged). A QoS 1/2 message's
     * {@code batch} (not yet committed) also waits for that node to store it.
     */
    CompletionStage<Boolean> send(SubscriberId client, Message message, StoreBatch batch);
}
