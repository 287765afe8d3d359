package io.hookline.broker.routing;

import java.util.List;

/**
 * One message addressed to one session: the QoS after downgrade to the subscription's QoS,
 * the retain flag as the subscriber sees it, and the matching subscription identifiers (v5).
 */
public record Delivery(Message message, int qos, boolean retain, List<Integer> subscriptionIds) {

    public Delivery {
        subscriptionIds = subscriptionIds == null ? List.of() : subscriptionIds;
    }
}
