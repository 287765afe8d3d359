package io.hookline.broker.routing;

import io.hookline.broker.config.SharedSubscriptionPolicy;
import io.hookline.broker.util.StoreBatch;
import java.util.List;
import java.util.function.Consumer;

/**
 * Chooses the member of each matching shared group when the groups span several brokers (a
 * cluster): the {@link Router} hands it the groups it matched here and it picks, per group, this
 * node (then {@link Router#deliverShared}) or another node that has members. Absent on a single
 * broker, where the router picks among its own members. Called on the publisher's thread; never
 * blocks.
 */
public interface SharedDispatch {

    /**
     * Delivers {@code message} to one member of every shared group that matches its topic
     * cluster-wide; {@code local} are the matching groups with members on this node (maybe empty).
     * Returns how many groups it was handed to.
     */
    int dispatch(
            List<SharedGroup> local,
            Message message,
            SharedSubscriptionPolicy policy,
            Consumer<List<Recipient>> congested,
            StoreBatch batch);
}
