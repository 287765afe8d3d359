package io.hookline.broker;

import io.hookline.broker.metrics.BrokerMetrics;
import io.hookline.broker.routing.Message;
import io.hookline.broker.routing.Messages;

import java.util.function.Consumer;
import java.util.function.IntSupplier;

/**
 * Publishes the broker's counters as retained messages under {@code $SYS/broker/} every
 * {@code systree_interval}. Runs on the broker's timer thread.
 */
public final class SysTree implements Runnable {

    private final BrokerMetrics metrics;
    private final IntSupplier sessions;
    private final IntSupplier subscriptions;
    private final IntSupplier retained;
    private final Messages messages;
    private final Consumer<Message> publisher;
    private final String version;

    public SysTree(BrokerMetrics metrics, IntSupplier sessions, IntSupplier subscriptions, IntSupplier retained,
                   Messages messages, Consumer<Message> publisher, String version) {
        this.messages = messages;
        this.metrics = metrics;
        this.sessions = sessions;
        this.subscriptions = subscriptions;
        this.retained = retained;
        this.publisher = publisher;
        this.version = version;
    }

    @Override
    public void run() {
        put("version", version);
        put("uptime", metrics.uptimeSeconds());
        put("clients/connected", metrics.connections().get());
        put("clients/total", sessions.getAsInt());
        put("messages/received", metrics.messagesIn());
        put("messages/sent", metrics.messagesOut());
        put("messages/dropped", metrics.droppedTotal());
        put("bytes/received", metrics.bytesIn());
        put("bytes/sent", metrics.bytesOut());
        put("subscriptions/count", subscriptions.getAsInt());
        put("retained/count", retained.getAsInt());
    }

    private void put(String leaf, Object value) {
        publisher.accept(messages.text("$SYS/broker/" + leaf, String.valueOf(value), true));
    }
}
