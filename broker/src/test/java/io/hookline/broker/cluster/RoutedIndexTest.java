package io.hookline.broker.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.hookline.broker.routing.SubscriberId;
import io.hookline.broker.routing.Subscription;
import io.hookline.broker.routing.SubscriptionOptions;
import io.hookline.broker.routing.SubscriptionTrie;
import org.junit.jupiter.api.Test;

/** A filter is a route of this node from its first direct subscription to its last one. */
class RoutedIndexTest {

    private final RouteTable routes = new RouteTable();
    private final SubscriptionTrie trie = new SubscriptionTrie();
    private final RoutedIndex index = new RoutedIndex(trie, routes);

    private static Subscription direct(String client, String filter, int qos) {
        return new Subscription(SubscriberId.of(client), filter, null, SubscriptionOptions.ofQos(qos), 0);
    }

    @Test
    void countsDirectSubscriptionsPerFilter() {
        index.add(direct("c1", "a/#", 0));
        index.add(direct("c2", "a/#", 1));
        index.add(direct("c1", "b", 0));
        assertEquals(2, routes.localFilters());
        assertEquals(3, trie.size(), "the index itself has every subscription");

        index.add(direct("c1", "a/#", 2)); // a replacement is not a new subscriber
        index.remove(SubscriberId.of("c1"), null, "a/#");
        assertEquals(2, routes.localFilters(), "c2 still subscribes to a/#");
        index.remove(SubscriberId.of("c2"), null, "a/#");
        assertEquals(1, routes.localFilters());
        index.remove(SubscriberId.of("c2"), null, "a/#"); // nothing to remove: no change
        index.remove(SubscriberId.of("c1"), null, "b");
        assertEquals(0, routes.localFilters());
    }

    @Test
    void sharedMembersAreCountedPerGroupNotAsFilters() {
        index.add(new Subscription(SubscriberId.of("c1"), "s/#", "g", SubscriptionOptions.ofQos(1), 0));
        index.add(new Subscription(SubscriberId.of("c2"), "s/#", "g", SubscriptionOptions.ofQos(1), 0));
        index.add(new Subscription(SubscriberId.of("c1"), "s/#", "h", SubscriptionOptions.ofQos(1), 0));
        assertEquals(0, routes.localFilters());
        assertEquals(2, routes.shared().localGroups(), "g and h");
        index.remove(SubscriberId.of("c1"), "g", "s/#");
        assertEquals(2, routes.shared().localGroups(), "c2 is still in g");
        index.remove(SubscriberId.of("c2"), "g", "s/#");
        index.remove(SubscriberId.of("c1"), "h", "s/#");
        assertEquals(0, routes.shared().localGroups());
        assertEquals(0, trie.size());
    }
}
