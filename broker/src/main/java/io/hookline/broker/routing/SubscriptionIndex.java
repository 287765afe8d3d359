package io.hookline.broker.routing;

/**
 * The subscription index. Thread-safe: match() is lock-free and may run on many threads
 * concurrently with add/remove; add/remove may be serialized internally (they are much rarer than
 * match).
 */
public interface SubscriptionIndex {
    /**
     * Adds or replaces the subscription with the same (subscriber, shareGroup, filter); returns the
     * replaced one or null.
     *
     * @throws IllegalArgumentException if the filter or the share group name is invalid
     */
    Subscription add(Subscription s);

    /** Removes it; returns the removed one or null. */
    Subscription remove(SubscriberId subscriber, String shareGroup, String filter);

    /** Reports every subscription whose filter matches the topic name to the collector. */
    void match(String topic, MatchCollector collector);

    /** Total number of subscriptions (direct + shared members). */
    int size();
}
