package io.hookline.broker.cluster;

import io.hookline.broker.routing.MatchCollector;
import io.hookline.broker.routing.SubscriberId;
import io.hookline.broker.routing.Subscription;
import io.hookline.broker.routing.SubscriptionIndex;

/**
 * The node's subscription index as the session registry sees it with {@code cluster = on}: every
 * change goes to the index, and a direct subscription that adds or removes a filter tells the
 * {@link RouteTable}, which counts them per filter; a shared group's members are counted per
 * group ({@link SharedRoutes}; docs/cluster.md). Thread-safe as the index is; the router matches on the index itself.
 */
public final class RoutedIndex implements SubscriptionIndex {

    private final SubscriptionIndex index;
    private final RouteTable routes;

    public RoutedIndex(SubscriptionIndex index, RouteTable routes) {
        this.index = index;
        this.routes = routes;
    }

    @Override
    public Subscription add(Subscription s) {
        Subscription replaced = index.add(s);
        if (replaced == null && !s.isShared()) {
            routes.added(s.filter());
        } else if (replaced == null) {
            routes.shared().added(s.shareGroup(), s.filter());
        }
        return replaced;
    }

    @Override
    public Subscription remove(SubscriberId subscriber, String shareGroup, String filter) {
        Subscription removed = index.remove(subscriber, shareGroup, filter);
        if (removed != null && !removed.isShared()) {
            routes.removed(removed.filter());
        } else if (removed != null) {
            routes.shared().removed(removed.shareGroup(), removed.filter());
        }
        return removed;
    }

    @Override
    public void match(String topic, MatchCollector collector) {
        index.match(topic, collector);
    }

    @Override
    public int size() {
        return index.size();
    }
}
