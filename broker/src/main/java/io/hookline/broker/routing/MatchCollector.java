package io.hookline.broker.routing;

/**
 * Callback for matches of a topic name. A client may appear several times in direct() when several
 * of its filters match (the caller merges them). Called on the matching thread, synchronously,
 * from inside {@link SubscriptionIndex#match}.
 */
public interface MatchCollector {
    /** A non-shared subscription whose filter matches. */
    void direct(Subscription s);

    /**
     * Once per matching (group, filter) that had at least one member when it was visited. The group
     * may lose its last member concurrently, so {@code group.members()} can still be empty.
     */
    void shared(SharedGroup group);
}
