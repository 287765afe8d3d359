package io.hookline.broker.store;

import io.hookline.broker.routing.SubscriberId;
import io.hookline.broker.routing.Subscription;
import io.hookline.broker.util.StoreBatch;
import java.util.function.Consumer;

/**
 * Persistent sessions' subscriptions, with every option and subscription identifier, keyed by
 * owner, share group and filter. The subscription index (the trie) is rebuilt from it at
 * recovery; at run time the trie, not this store, answers matches.
 *
 * <p>Threading: writes come from the owning session's connection event loop (SUBSCRIBE,
 * UNSUBSCRIBE) or from the registry (session end), one at a time per owner; staging must not
 * block. {@link #forEach} runs at recovery, before any listener opens: it may block.
 */
public interface SubscriptionStore {

    /** Adds or replaces the owner's subscription with the same share group and filter. */
    void put(SubscriberId owner, Subscription subscription, StoreBatch batch);

    /** Removes one subscription; {@code shareGroup} null for a non-shared one. */
    void remove(SubscriberId owner, String shareGroup, String filter, StoreBatch batch);

    /** Removes every subscription of the owner (the session ended). */
    void removeAll(SubscriberId owner, StoreBatch batch);

    /** The owner's subscriptions, in the order they were first made. */
    void forEach(SubscriberId owner, Consumer<Subscription> action);
}
