package io.hookline.broker.store;

import io.hookline.broker.routing.SubscriberId;
import io.hookline.broker.routing.Subscription;
import io.hookline.broker.util.StoreBatch;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Persistent sessions' subscriptions in memory, by owner, in the order they were made.
 * Thread-safe: a concurrent map of owners; each owner's map is guarded by itself.
 */
public final class MemorySubscriptionStore implements SubscriptionStore {

    private final ConcurrentHashMap<SubscriberId, Map<String, Subscription>> byOwner = new ConcurrentHashMap<>();

    private static String key(String shareGroup, String filter) {
        return shareGroup == null ? filter : "$share/" + shareGroup + "/" + filter;
    }

    @Override
    public void put(SubscriberId owner, Subscription subscription, StoreBatch batch) {
        byOwner.compute(owner, (id, subs) -> {
            Map<String, Subscription> map = subs == null ? new LinkedHashMap<>() : subs;
            synchronized (map) {
                map.put(key(subscription.shareGroup(), subscription.filter()), subscription);
            }
            return map;
        });
    }

    @Override
    public void remove(SubscriberId owner, String shareGroup, String filter, StoreBatch batch) {
        byOwner.computeIfPresent(owner, (id, map) -> {
            synchronized (map) {
                map.remove(key(shareGroup, filter));
                return map.isEmpty() ? null : map;
            }
        });
    }

    @Override
    public void removeAll(SubscriberId owner, StoreBatch batch) {
        byOwner.remove(owner);
    }

    @Override
    public void forEach(SubscriberId owner, Consumer<Subscription> action) {
        Map<String, Subscription> map = byOwner.get(owner);
        if (map == null) {
            return;
        }
        List<Subscription> copy;
        synchronized (map) {
            copy = new ArrayList<>(map.values());
        }
        copy.forEach(action);
    }

    /** How many owners have subscriptions stored. */
    public int owners() {
        return byOwner.size();
    }
}
