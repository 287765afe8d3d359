package io.hookline.broker.routing;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/** Records what a match reported; confined to the test thread that created it. */
final class RecordingCollector implements MatchCollector {
    final List<Subscription> direct = new ArrayList<>();
    final List<SharedGroup> shared = new ArrayList<>();

    static RecordingCollector match(SubscriptionIndex index, String topic) {
        RecordingCollector c = new RecordingCollector();
        index.match(topic, c);
        return c;
    }

    @Override
    public void direct(Subscription s) {
        direct.add(s);
    }

    @Override
    public void shared(SharedGroup group) {
        shared.add(group);
    }

    /** Matched direct filters as "clientId:filter", sorted. */
    Set<String> directKeys() {
        Set<String> keys = new TreeSet<>();
        for (Subscription s : direct) {
            keys.add(s.subscriber().clientId() + ":" + s.filter());
        }
        return keys;
    }

    /** Matched shared groups as "group:filter", sorted. */
    Set<String> sharedKeys() {
        Set<String> keys = new TreeSet<>();
        for (SharedGroup g : shared) {
            keys.add(g.group() + ":" + g.filter());
        }
        return keys;
    }
}
