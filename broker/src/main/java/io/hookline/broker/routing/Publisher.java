package io.hookline.broker.routing;

import io.hookline.broker.config.SharedSubscriptionPolicy;
import io.hookline.broker.util.StoreBatch;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * Publishes an accepted message (the hooks have had their say): the retained copy is stored or
 * cleared, and the message goes to every matching recipient. Clients' PUBLISHes, wills,
 * plugins and $SYS all go through it. The single-node implementation is
 * {@code io.hookline.broker.LocalPublisher} (retained store + {@link Router}); a cluster puts
 * its own in front, or gives the router recipients that are other nodes.
 *
 * <p>Thread-safe; runs on the publisher's thread (a client's event loop, the timer) and never
 * blocks: every store write it causes is staged in {@code batch}, which the caller commits.
 */
public interface Publisher {

    /**
     * Publishes {@code message}, choosing shared group members by {@code sharedPolicy} (the
     * publishing client's, or null for the broker's); {@code congested} (may be null) hears of
     * recipients that took it while above their queue high-water mark. Returns how many
     * recipients it was handed to.
     */
    int publish(
            Message message,
            SharedSubscriptionPolicy sharedPolicy,
            Consumer<List<Recipient>> congested,
            StoreBatch batch);

    /**
     * Publishes as {@link #publish} with the broker's shared policy and completes with how many
     * sessions took it, on every node: a cluster asks the other nodes (for the HTTP API's
     * {@code matched}); a single broker answers at once.
     */
    default CompletionStage<Integer> publishCounted(Message message, StoreBatch batch) {
        return CompletableFuture.completedFuture(publish(message, null, null, batch));
    }
}
