package io.hookline.broker.protocol;

import io.hookline.api.hook.input.Client;
import io.hookline.broker.hooks.ReadChecks;
import io.hookline.broker.metrics.BrokerMetrics;
import io.hookline.broker.metrics.BrokerMetrics.Counter;
import io.hookline.broker.routing.Message;
import io.hookline.broker.routing.ReadGate;
import io.hookline.broker.routing.Recipient;

/**
 * The {@link ReadGate} of the plugins' read checks: asks them about the recipient's client and
 * the topic as that client sees it (without its mountpoint), and counts each refusal in
 * {@code hookline_deliveries_denied_total}. With no check installed it answers after one
 * volatile read, before looking at the recipient. Thread-safe and stateless.
 */
public final class DeliveryReadGate implements ReadGate {
    private final ReadChecks checks;
    private final BrokerMetrics metrics;

    public DeliveryReadGate(ReadChecks checks, BrokerMetrics metrics) {
        this.checks = checks;
        this.metrics = metrics;
    }

    @Override
    public boolean admits(Recipient to, Message message) {
        if (checks.isEmpty()) {
            return true;
        }
        Client reader = to.reader();
        if (reader == null) {
            return true; // not a local client: whoever delivers it asks its own checks
        }
        if (checks.mayRead(reader, ListenerInfo.unmount(reader.mountpoint(), message.topic()))) {
            return true;
        }
        metrics.count(Counter.DELIVERIES_DENIED);
        return false;
    }
}
