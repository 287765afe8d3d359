package io.hookline.broker.routing;

import java.util.Objects;

/**
 * One session's subscription to one filter. subscriber is the owning session. shareGroup is null
 * for a non-shared subscription; filter is the inner filter (without "$share/group/"), mounted.
 * subscriptionId is 0 when none (MQTT 5 allows 1..268,435,455).
 */
public record Subscription(
        SubscriberId subscriber, String filter, String shareGroup, SubscriptionOptions options, int subscriptionId) {

    /** Largest Subscription Identifier a variable byte integer can carry (MQTT 5 §3.8.2.1.2). */
    public static final int MAX_SUBSCRIPTION_ID = 268_435_455;

    public Subscription {
        Objects.requireNonNull(subscriber, "subscriber");
        Objects.requireNonNull(filter, "filter");
        Objects.requireNonNull(options, "options");
        if (subscriptionId < 0 || subscriptionId > MAX_SUBSCRIPTION_ID) {
            throw new IllegalArgumentException("subscriptionId out of range: " + subscriptionId);
        }
    }

    /** Whether this is a member of a shared subscription group. */
    public boolean isShared() {
        return shareGroup != null;
    }
}
