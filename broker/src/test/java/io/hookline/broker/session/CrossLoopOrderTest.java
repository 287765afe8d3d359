package io.hookline.broker.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt3.message.publish.Mqtt3Publish;
import io.hookline.broker.protocol.BrokerContext;
import io.hookline.broker.routing.PublishProperties;
import io.hookline.broker.testsupport.Clients;
import io.hookline.broker.testsupport.TestBroker;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * One publisher's messages reach one subscriber in order when they cross from the publisher's
 * event loop to the subscriber's (LoopHandoff: a loop wakes the other once per turn), also when
 * the same publisher's messages are handed over partly by a loop and partly by another thread.
 */
class CrossLoopOrderTest {

    private static final int PUBLISHERS = 4;
    private static final int PER_PUBLISHER = 1_000;
    private static final int MIXED = 200;

    @Test
    void eachPublishersQos1MessagesArriveInOrderAcrossEventLoops() throws Exception {
        // no queue bound: every message must arrive, so a gap is a reordering, not a drop
        try (TestBroker b = TestBroker.start("io_threads", "2", "max_online_messages", "-1", "max_online_bytes", "0")) {
            Mqtt3BlockingClient sub = Clients.v3Connected(b, "sub"); // clean session: not journaled
            List<Mqtt3AsyncClient> pubs = new ArrayList<>();
            for (int p = 0; p < PUBLISHERS; p++) {
                Mqtt3BlockingClient pub = Clients.v3Connected(b, "pub" + p);
                pubs.add(pub.toAsync());
            }
            SessionConnection subLoop = connectionOf(b, "sub");
            SessionConnection otherLoop = null;
            int elsewhere = 0;
            for (int p = 0; p < PUBLISHERS; p++) {
                SessionConnection c = connectionOf(b, "pub" + p);
                if (!sameLoop(subLoop, c)) {
                    elsewhere++;
                    otherLoop = c;
                }
            }
            // connections are spread over the two loops in turn: half the publishers sit on the other one
            assertTrue(elsewhere >= 1, "no publisher on another event loop than the subscriber");

            try (var in = sub.publishes(MqttGlobalPublishFilter.ALL)) {
                sub.subscribeWith()
                        .topicFilter("order/#")
                        .qos(MqttQos.AT_LEAST_ONCE)
                        .send();

                List<CompletableFuture<?>> sent = new ArrayList<>();
                for (int i = 0; i < PER_PUBLISHER; i++) {
                    for (int p = 0; p < PUBLISHERS; p++) {
                        sent.add(pubs.get(p)
                                .publishWith()
                                .topic("order/pub" + p)
                                .qos(MqttQos.AT_LEAST_ONCE)
                                .payload(Clients.bytes(Integer.toString(i)))
                                .send());
                    }
                }
                brokerPublishesFromALoopAndFromThisThreadInTurn(b.broker().context(), otherLoop);
                CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);

                Map<String, Integer> last = new HashMap<>();
                int total = PUBLISHERS * PER_PUBLISHER + MIXED;
                for (int n = 0; n < total; n++) {
                    Mqtt3Publish m = in.receive(30, TimeUnit.SECONDS)
                            .orElseThrow(() -> new AssertionError("a message did not arrive"));
                    String topic = m.getTopic().toString();
                    int i = Integer.parseInt(Clients.text(m.getPayloadAsBytes()));
                    int expected = last.getOrDefault(topic, -1) + 1;
                    assertEquals(expected, i, "message " + i + " on " + topic + " after " + (expected - 1));
                    last.put(topic, i);
                }
                for (int p = 0; p < PUBLISHERS; p++) {
                    assertEquals(PER_PUBLISHER - 1, last.get("order/pub" + p));
                }
                assertEquals(MIXED - 1, last.get("order/broker"));
            }
            for (Mqtt3AsyncClient pub : pubs) {
                pub.disconnect().get(10, TimeUnit.SECONDS);
            }
            sub.disconnect();
        }
    }

    /**
     * One publisher (the broker, as a plugin's publish service) whose even messages are handed
     * over by an event loop that is not the subscriber's, and whose odd ones by this test's
     * thread while that loop's turn is still going on: its wake-up for the even one has not run.
     */
    private static void brokerPublishesFromALoopAndFromThisThreadInTurn(BrokerContext broker, SessionConnection loop)
            throws Exception {
        for (int i = 0; i < MIXED; i += 2) {
            CountDownLatch published = new CountDownLatch(1);
            CountDownLatch endTurn = new CountDownLatch(1);
            int even = i;
            loop.execute(() -> {
                broker.publish(message(broker, even));
                published.countDown();
                try {
                    endTurn.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            assertTrue(published.await(10, TimeUnit.SECONDS));
            broker.publish(message(broker, even + 1));
            endTurn.countDown();
        }
    }

    private static io.hookline.broker.routing.Message message(BrokerContext broker, int i) {
        return broker.messages()
                .create("order/broker", 1, false, Clients.bytes(Integer.toString(i)), PublishProperties.NONE, null);
    }

    private static SessionConnection connectionOf(TestBroker b, String clientId) {
        SessionConnection c = b.broker().sessions().get(clientId).connection();
        assertTrue(c != null, clientId + " is not connected");
        return c;
    }

    private static boolean sameLoop(SessionConnection a, SessionConnection b) throws Exception {
        CompletableFuture<Boolean> same = new CompletableFuture<>();
        a.execute(() -> same.complete(b.inEventLoop()));
        return same.get(10, TimeUnit.SECONDS);
    }
}
