package io.hookline.broker.protocol;

import io.hookline.broker.routing.Delivery;
import io.hookline.broker.routing.Message;
import io.hookline.broker.util.StoreBatch;
import java.util.ArrayDeque;
import java.util.List;

/**
 * The retained messages a SUBSCRIBE matched, streamed into the session as it has room instead of
 * all at once: offered one by one while the session's queue is empty (each either goes straight
 * to the socket or waits as the only queued message), and again after each flush, when the socket
 * took what was queued. So a subscriber gets every retained message however many there are
 * (before, 100,000 matches became 2,176 deliveries and the rest queue_full drops), paced by its
 * socket and inflight window, and the queue bounds never drop them.
 *
 * <p>Holds references to the matched messages only, no copies. Confined to the connection's event
 * loop; a closed connection's feed is dropped with it.
 */
final class RetainedFeed {

    /** Messages offered per run before yielding the event loop to other connections. */
    private static final int PER_RUN = 1000;

    private final MqttConnection c;
    private final ArrayDeque<Batch> batches = new ArrayDeque<>();
    private boolean scheduled;

    private static final class Batch {
        final List<Message> messages;
        final int qos;
        final List<Integer> subscriptionIds;
        int next;

        Batch(List<Message> messages, int qos, List<Integer> subscriptionIds) {
            this.messages = messages;
            this.qos = qos;
            this.subscriptionIds = subscriptionIds;
        }
    }

    RetainedFeed(MqttConnection c) {
        this.c = c;
    }

    /** Queues the retained messages of one granted subscription at {@code qos}. */
    void add(List<Message> matched, int qos, List<Integer> subscriptionIds) {
        if (!matched.isEmpty()) {
            batches.addLast(new Batch(matched, qos, subscriptionIds));
        }
    }

    boolean isEmpty() {
        return batches.isEmpty();
    }

    /** Offers retained messages while the session has room; called after SUBACK and after every flush. */
    void feed() {
        int offered = 0;
        while (!batches.isEmpty() && c.state == MqttConnection.State.CONNECTED && c.session.queueSize() == 0) {
            if (offered == PER_RUN) {
                if (!scheduled) {
                    scheduled = true;
                    c.ctx.executor().execute(() -> {
                        scheduled = false;
                        feed();
                    });
                }
                return;
            }
            Batch b = batches.peekFirst();
            Message m = b.messages.get(b.next++);
            if (b.next == b.messages.size()) {
                batches.pollFirst();
            }
            int qos = c.session.upgradesQos() ? b.qos : Math.min(m.qos(), b.qos);
            c.session.offer(new Delivery(m, qos, true, b.subscriptionIds), StoreBatch.NONE); // to this client only
            offered++;
        }
        if (offered > 0) {
            c.flushSoon();
        }
    }
}
