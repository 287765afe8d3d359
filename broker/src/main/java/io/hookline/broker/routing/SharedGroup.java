package io.hookline.broker.routing;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A shared subscription group: identity is (group, filter). Thread-safe: members are a
 * copy-on-write immutable list behind a volatile field, so readers never lock; the mutators are
 * package-private and only called by {@link SubscriptionTrie} under its writer lock.
 */
public final class SharedGroup {
    private final String group;
    private final String filter;
    private final AtomicLong cursor = new AtomicLong();
    private volatile List<Subscription> members = List.of();

    SharedGroup(String group, String filter) {
        this.group = Objects.requireNonNull(group, "group");
        this.filter = Objects.requireNonNull(filter, "filter");
    }

    /** The share name. */
    public String group() {
        return group;
    }

    /** The inner topic filter (without "$share/group/"). */
    public String filter() {
        return filter;
    }

    /** Immutable snapshot of the members, in the order they first joined. */
    public List<Subscription> members() {
        return members;
    }

    /** Round-robin position for the router; only ever incremented. */
    public AtomicLong cursor() {
        return cursor;
    }

    /**
     * Round-robin pick over the current members, or null when there are none. A router that must
     * skip offline members can use {@link #cursor()} with {@link #members()} instead.
     */
    public Subscription nextMember() {
        List<Subscription> snapshot = members;
        if (snapshot.isEmpty()) {
            return null;
        }
        return snapshot.get((int) Math.floorMod(cursor.getAndIncrement(), (long) snapshot.size()));
    }

    /** Adds the member or replaces the one with the same subscriber in place; returns the replaced one. */
    Subscription put(Subscription s) {
        List<Subscription> current = members;
        ArrayList<Subscription> next = new ArrayList<>(current.size() + 1);
        Subscription replaced = null;
        for (Subscription m : current) {
            if (m.subscriber().equals(s.subscriber())) {
                replaced = m;
                next.add(s);
            } else {
                next.add(m);
            }
        }
        if (replaced == null) {
            next.add(s);
        }
        members = List.copyOf(next);
        return replaced;
    }

    /** Removes the member of this subscriber; returns it or null. */
    Subscription remove(SubscriberId subscriber) {
        List<Subscription> current = members;
        for (int i = 0; i < current.size(); i++) {
            Subscription m = current.get(i);
            if (m.subscriber().equals(subscriber)) {
                ArrayList<Subscription> next = new ArrayList<>(current);
                next.remove(i);
                members = List.copyOf(next);
                return m;
            }
        }
        return null;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SharedGroup other && group.equals(other.group) && filter.equals(other.filter);
    }

    @Override
    public int hashCode() {
        return 31 * group.hashCode() + filter.hashCode();
    }

    @Override
    public String toString() {
        return "SharedGroup[$share/" + group + "/" + filter + ", members=" + members.size() + "]";
    }
}
