package io.hookline.broker.store;

import static io.hookline.broker.testsupport.Clients.bytes;
import static io.hookline.broker.testsupport.Clients.text;
import static io.hookline.broker.testsupport.Clients.v3Connected;
import static io.hookline.broker.testsupport.Clients.v5Connected;
import static io.hookline.broker.testsupport.Receive.next;
import static io.hookline.broker.testsupport.Receive.nothing;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt3.message.publish.Mqtt3Publish;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient.Mqtt5Publishes;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.Mqtt5RetainHandling;
import io.hookline.broker.routing.Message;
import io.hookline.broker.testsupport.ManualTime;
import io.hookline.broker.testsupport.TestBroker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Retained messages end to end. Where a test shows that no retained message came, it then
 * subscribes to {@code marker}, whose retained message can only arrive after anything the
 * earlier SUBSCRIBE sent.
 */
class RetainedTest {

    /** Message expiry runs on the broker's clock: the test moves it instead of waiting. */
    private final ManualTime time = new ManualTime();

    private TestBroker broker;
    private Mqtt5BlockingClient pub;

    @BeforeEach
    void start() {
        broker = TestBroker.startOn(null, time.clock(), time);
        pub = v5Connected(broker, "pub");
        retain("marker", "marker");
    }

    @AfterEach
    void stop() {
        pub.disconnect();
        broker.close();
    }

    private void retain(String topic, String payload) {
        pub.publishWith()
                .topic(topic)
                .qos(MqttQos.AT_LEAST_ONCE)
                .retain(true)
                .payload(bytes(payload))
                .send();
    }

    /** Runs {@code test} with a connected MQTT 5 subscriber "sub" and its messages; disconnects it after. */
    private void withSubscriber(SubscriberTest test) throws Exception {
        Mqtt5BlockingClient sub = v5Connected(broker, "sub");
        try (Mqtt5Publishes publishes = sub.publishes(MqttGlobalPublishFilter.ALL)) {
            test.run(sub, publishes);
        } finally {
            sub.disconnect();
        }
    }

    @FunctionalInterface
    private interface SubscriberTest {
        void run(Mqtt5BlockingClient sub, Mqtt5Publishes publishes) throws Exception;
    }

    /** @return the payload of the next message, as text */
    private static String nextText(Mqtt5Publishes publishes) throws Exception {
        return text(next(publishes).getPayloadAsBytes());
    }

    /** The next message is the marker's: nothing else came before it. */
    private static void assertMarkerNext(Mqtt5BlockingClient client, Mqtt5Publishes publishes) throws Exception {
        client.subscribeWith().topicFilter("marker").send();
        assertEquals("marker", next(publishes).getTopic().toString(), "no other message before the marker");
    }

    @Test
    void retainedMessageIsDeliveredOnSubscribeWithTheRetainFlagForMqtt5() throws Exception {
        retain("r/a", "kept");
        withSubscriber((sub, publishes) -> {
            sub.subscribeWith().topicFilter("r/a").qos(MqttQos.AT_LEAST_ONCE).send();
            Mqtt5Publish p = next(publishes);
            assertEquals("kept", text(p.getPayloadAsBytes()));
            assertTrue(p.isRetain());
            assertEquals(MqttQos.AT_LEAST_ONCE, p.getQos());
        });
    }

    @Test
    void retainedMessageIsDeliveredOnSubscribeWithTheRetainFlagForMqtt311() throws Exception {
        retain("r/a", "kept");
        Mqtt3BlockingClient sub = v3Connected(broker, "sub3");
        try (var publishes = sub.publishes(MqttGlobalPublishFilter.ALL)) {
            sub.subscribeWith().topicFilter("r/a").qos(MqttQos.AT_MOST_ONCE).send();
            Mqtt3Publish p = next(publishes);
            assertEquals("kept", text(p.getPayloadAsBytes()));
            assertTrue(p.isRetain());
            assertEquals(MqttQos.AT_MOST_ONCE, p.getQos(), "downgraded to the subscription's QoS");
        } finally {
            sub.disconnect();
        }
    }

    @Test
    void aNewRetainedMessageReplacesTheOldOne() throws Exception {
        retain("r/a", "first");
        retain("r/a", "second");
        withSubscriber((sub, publishes) -> {
            sub.subscribeWith().topicFilter("r/a").send();
            assertEquals("second", nextText(publishes));
            assertMarkerNext(sub, publishes);
        });
    }

    @Test
    void anEmptyRetainedMessageClearsTheTopic() throws Exception {
        retain("r/a", "soon gone");
        int before = broker.broker().retained().size();
        pub.publishWith().topic("r/a").qos(MqttQos.AT_LEAST_ONCE).retain(true).send(); // empty payload
        assertEquals(before - 1, broker.broker().retained().size());
        withSubscriber((sub, publishes) -> {
            sub.subscribeWith().topicFilter("r/a").send();
            assertMarkerNext(sub, publishes);
        });
    }

    @Test
    void liveMessagesAreNotMarkedRetainedUnlessRetainAsPublished() throws Exception {
        Mqtt5BlockingClient plain = v5Connected(broker, "plain");
        Mqtt5BlockingClient asPublished = v5Connected(broker, "rap");
        Mqtt3BlockingClient old = v3Connected(broker, "old");
        try (Mqtt5Publishes plainIn = plain.publishes(MqttGlobalPublishFilter.ALL);
                Mqtt5Publishes rapIn = asPublished.publishes(MqttGlobalPublishFilter.ALL);
                var oldIn = old.publishes(MqttGlobalPublishFilter.ALL)) {
            plain.subscribeWith().topicFilter("live").send();
            asPublished
                    .subscribeWith()
                    .topicFilter("live")
                    .retainAsPublished(true)
                    .send();
            old.subscribeWith().topicFilter("live").send();
            retain("live", "retained and live");
            assertFalse(next(plainIn).isRetain(), "v5 without retain-as-published");
            assertTrue(next(rapIn).isRetain(), "v5 with retain-as-published");
            assertFalse(next(oldIn).isRetain(), "3.1.1: an established subscription gets retain 0");
            pub.publishWith().topic("live").payload(bytes("not retained")).send();
            assertFalse(next(rapIn).isRetain(), "retain-as-published keeps a 0 as 0");
        } finally {
            plain.disconnect();
            asPublished.disconnect();
            old.disconnect();
        }
    }

    @Test
    void retainHandling0SendsRetainedOnEverySubscribe() throws Exception {
        retain("r/a", "again and again");
        withSubscriber((sub, publishes) -> {
            for (int i = 0; i < 2; i++) {
                sub.subscribeWith()
                        .topicFilter("r/a")
                        .retainHandling(Mqtt5RetainHandling.SEND)
                        .send();
                assertEquals("again and again", nextText(publishes));
            }
        });
    }

    @Test
    void retainHandling1SendsRetainedOnlyForANewSubscription() throws Exception {
        retain("r/a", "once");
        withSubscriber((sub, publishes) -> {
            sub.subscribeWith()
                    .topicFilter("r/a")
                    .retainHandling(Mqtt5RetainHandling.SEND_IF_SUBSCRIPTION_DOES_NOT_EXIST)
                    .send();
            assertEquals("once", nextText(publishes));
            sub.subscribeWith()
                    .topicFilter("r/a")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .retainHandling(Mqtt5RetainHandling.SEND_IF_SUBSCRIPTION_DOES_NOT_EXIST)
                    .send();
            assertMarkerNext(sub, publishes);
        });
    }

    @Test
    void retainHandling2NeverSendsRetained() throws Exception {
        retain("r/a", "never");
        withSubscriber((sub, publishes) -> {
            sub.subscribeWith()
                    .topicFilter("r/a")
                    .retainHandling(Mqtt5RetainHandling.DO_NOT_SEND)
                    .send();
            assertMarkerNext(sub, publishes);
        });
    }

    @Test
    void wildcardSubscribeGetsEveryMatchingRetainedMessage() throws Exception {
        retain("home/kitchen/temp", "21");
        retain("home/hall/temp", "19");
        retain("home/hall/humidity", "40");
        retain("garden/temp", "12");
        withSubscriber((sub, publishes) -> {
            sub.subscribeWith().topicFilter("home/+/temp").send();
            Map<String, String> got = new HashMap<>();
            for (int i = 0; i < 2; i++) {
                Mqtt5Publish p = next(publishes);
                assertTrue(p.isRetain());
                got.put(p.getTopic().toString(), text(p.getPayloadAsBytes()));
            }
            assertEquals(Map.of("home/kitchen/temp", "21", "home/hall/temp", "19"), got);
            assertMarkerNext(sub, publishes);

            sub.subscribeWith().topicFilter("home/#").send();
            List<String> all = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                all.add(next(publishes).getTopic().toString());
            }
            assertEquals(
                    List.of("home/hall/humidity", "home/hall/temp", "home/kitchen/temp"),
                    all.stream().sorted().toList());
        });
    }

    private List<Message> retainedOn(String filter) {
        List<Message> found = new ArrayList<>();
        broker.broker().retained().matching(filter, broker.broker().clock().millis(), found::add);
        return found;
    }

    @Test
    void expiredRetainedMessageIsNotDelivered() throws Exception {
        pub.publishWith()
                .topic("r/exp")
                .retain(true)
                .messageExpiryInterval(1)
                .payload(bytes("brief"))
                .send();
        withSubscriber((sub, publishes) -> {
            sub.subscribeWith()
                    .topicFilter("r/exp")
                    .retainHandling(Mqtt5RetainHandling.SEND)
                    .send();
            Mqtt5Publish fresh = next(publishes);
            assertEquals("brief", text(fresh.getPayloadAsBytes()));
            assertEquals(1, fresh.getMessageExpiryInterval().orElseThrow(), "no time passed on the broker's clock");

            time.advance(Duration.ofMillis(999));
            assertEquals(1, retainedOn("r/exp").size(), "not expired before its 1 s");
            time.advance(Duration.ofMillis(1));
            assertEquals(List.of(), retainedOn("r/exp"), "expired at 1 s");
            sub.subscribeWith()
                    .topicFilter("r/exp")
                    .retainHandling(Mqtt5RetainHandling.SEND)
                    .send();
            assertMarkerNext(sub, publishes);
        });
    }

    @Test
    void retainedMessageIsNotSentToAnUnrelatedSubscription() throws Exception {
        retain("r/a", "a");
        withSubscriber((sub, publishes) -> {
            sub.subscribeWith().topicFilter("r/b").send();
            nothing(publishes);
        });
    }

    @Test
    void rootWildcardSubscribeGetsNoRetainedDollarTopics() throws Exception {
        retain("$app/status", "hidden from #");
        retain("app/status", "visible");
        withSubscriber((sub, publishes) -> {
            sub.subscribeWith().topicFilter("#").send();
            assertEquals(
                    java.util.Set.of("marker", "app/status"),
                    java.util.Set.of(
                            next(publishes).getTopic().toString(),
                            next(publishes).getTopic().toString()));
            sub.subscribeWith().topicFilter("+/status").send();
            assertEquals("app/status", next(publishes).getTopic().toString());
            sub.subscribeWith().topicFilter("$app/#").send();
            assertEquals("$app/status", next(publishes).getTopic().toString(), "nothing from # or + before it");
        });
    }
}
