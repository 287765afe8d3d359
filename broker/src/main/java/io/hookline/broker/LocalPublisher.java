package io.hookline.broker;

import io.hookline.broker.config.SharedSubscriptionPolicy;
import io.hookline.broker.metrics.BrokerMetrics;
import io.hookline.broker.metrics.BrokerMetrics.Counter;
import io.hookline.broker.routing.Message;
import io.hookline.broker.routing.Publisher;
import io.hookline.broker.routing.Recipient;
import io.hookline.broker.routing.Router;
import io.hookline.broker.store.RetainedStore;
import io.hookline.broker.util.StoreBatch;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Publishing on one node: the retained store, then the router. Thread-safe: its parts are.
 */
final class LocalPublisher implements Publisher {

    private final RetainedStore retained;
    private final Router router;
    private final BooleanSupplier retainAvailable; // retain_available, live
    private final BrokerMetrics metrics;

    LocalPublisher(RetainedStore retained, Router router, BooleanSupplier retainAvailable, BrokerMetrics metrics) {
        this.retained = retained;
        this.router = router;
        this.retainAvailable = retainAvailable;
        this.metrics = metrics;
    }

    @Override
    public int publish(
            Message message,
            SharedSubscriptionPolicy sharedPolicy,
            Consumer<List<Recipient>> congested,
            StoreBatch batch) {
        if (message.retain() && retainAvailable.getAsBoolean()) {
            retained.retain(message, batch);
        }
        int n = router.route(message, sharedPolicy, congested, batch);
        if (n == 0) {
            metrics.count(Counter.PUBLISHES_NO_SUBSCRIBERS);
        }
        return n;
    }
}
