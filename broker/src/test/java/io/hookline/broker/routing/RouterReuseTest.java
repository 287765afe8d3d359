package io.hookline.broker.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.hookline.broker.config.SharedSubscriptionPolicy;
import io.hookline.broker.util.StoreBatch;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The router reuses its per-thread match state route after route: nothing of one route may show in
 * the next, a recipient that routes again while a route is delivering gets its own, and a route
 * that failed half-way leaves the state usable.
 */
class RouterReuseTest {
    private final SubscriptionTrie trie = new SubscriptionTrie();
    private final Map<SubscriberId, List<Delivery>> delivered = new HashMap<>();
    private final Map<SubscriberId, Recipient> recipients = new HashMap<>();
    private final Router router = new Router(trie, recipients::get, () -> SharedSubscriptionPolicy.RANDOM);
    private final Messages messages = Messages.forTests();

    private SubscriberId subscribe(String client, String filter, int qos, int subscriptionId) {
        SubscriberId id = SubscriberId.of(client);
        trie.add(new Subscription(id, filter, null, SubscriptionOptions.ofQos(qos), subscriptionId));
        recipients.putIfAbsent(id, recording(id));
        return id;
    }

    private Recipient recording(SubscriberId id) {
        return new Recipient() {
            @Override
            public boolean isOnline() {
                return true;
            }

            @Override
            public boolean offer(Delivery d, StoreBatch batch) {
                delivered.computeIfAbsent(id, k -> new ArrayList<>()).add(d);
                return false;
            }
        };
    }

    private Message message(String topic, int qos) {
        Message m = messages.text(topic, "x", false);
        return new Message(m.id(), topic, qos, false, m.payload(), m.properties(), m.sender(), m.expiresAtMillis());
    }

    @Test
    void aRouteSeesNothingOfThePreviousOne() {
        SubscriberId a = subscribe("a", "t/a", 1, 7);
        subscribe("a", "t/a/#", 0, 0); // a second match of a's: merged, ids 7 only
        SubscriberId b = subscribe("b", "t/b", 2, 0);

        assertEquals(1, router.route(message("t/a", 2)));
        assertEquals(1, router.route(message("t/b", 2)));
        assertEquals(0, router.route(message("u/x", 2)));
        assertEquals(1, router.route(message("t/a", 0)));

        List<Delivery> toA = delivered.get(a);
        assertEquals(2, toA.size());
        assertEquals(1, toA.get(0).qos());
        assertEquals(List.of(7), toA.get(0).subscriptionIds());
        assertEquals(0, toA.get(1).qos());
        assertEquals(List.of(7), toA.get(1).subscriptionIds());
        List<Delivery> toB = delivered.get(b);
        assertEquals(1, toB.size());
        assertEquals(2, toB.get(0).qos());
        assertEquals(List.of(), toB.get(0).subscriptionIds(), "b's delivery carries no id of a's");
    }

    @Test
    void aRecipientThatRoutesAgainWhileDeliveringGetsItsOwnRoute() {
        SubscriberId echo = SubscriberId.of("echo");
        trie.add(new Subscription(echo, "in", null, SubscriptionOptions.ofQos(1), 3));
        SubscriberId out = subscribe("out", "out", 1, 0);
        List<Delivery> toEcho = new ArrayList<>();
        recipients.put(echo, new Recipient() {
            @Override
            public boolean isOnline() {
                return true;
            }

            @Override
            public boolean offer(Delivery d, StoreBatch batch) {
                toEcho.add(d);
                assertEquals(1, router.route(message("out", 1))); // on the same thread, mid-route
                return false;
            }
        });
        SubscriberId second = subscribe("second", "in", 1, 0); // the outer route's next target

        assertEquals(2, router.route(message("in", 1)));

        assertEquals(1, toEcho.size());
        assertEquals(List.of(3), toEcho.get(0).subscriptionIds());
        assertEquals(1, delivered.get(out).size());
        assertEquals("out", delivered.get(out).get(0).message().topic());
        assertEquals(1, delivered.get(second).size(), "the outer route went on to its other target");
        assertEquals("in", delivered.get(second).get(0).message().topic());
    }

    @Test
    void aRouteThatFailedLeavesTheNextOneWhole() {
        SubscriberId bad = SubscriberId.of("bad");
        trie.add(new Subscription(bad, "boom", null, SubscriptionOptions.ofQos(1), 0));
        recipients.put(bad, new Recipient() {
            @Override
            public boolean isOnline() {
                return true;
            }

            @Override
            public boolean offer(Delivery d, StoreBatch batch) {
                throw new IllegalStateException("recipient failed");
            }
        });
        SubscriberId ok = subscribe("ok", "fine", 1, 0);

        assertThrows(IllegalStateException.class, () -> router.route(message("boom", 1)));
        assertEquals(1, router.route(message("fine", 1)));
        assertEquals(1, delivered.get(ok).size());
        assertEquals(List.of(), delivered.get(ok).get(0).subscriptionIds());
    }
}
