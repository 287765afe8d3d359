package io.hookline.broker.routing;

import io.hookline.broker.config.SharedSubscriptionPolicy;
import io.hookline.broker.util.StoreBatch;
import java.util.List;
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
}
