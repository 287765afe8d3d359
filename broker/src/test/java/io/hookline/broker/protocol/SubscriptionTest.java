package io.hookline.broker.protocol;

import static io.hookline.broker.testsupport.Clients.bytes;
import static io.hookline.broker.testsupport.Clients.text;
import static io.hookline.broker.testsupport.Clients.v3Connected;
import static io.hookline.broker.testsupport.Clients.v5;
import static io.hookline.broker.testsupport.Clients.v5Connected;
import static io.hookline.broker.testsupport.Receive.next;
import static io.hookline.broker.testsupport.Receive.nothing;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient.Mqtt5Publishes;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5SubAckException;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.suback.Mqtt5SubAck;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.suback.Mqtt5SubAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.unsubscribe.unsuback.Mqtt5UnsubAck;
import com.hivemq.client.mqtt.mqtt5.message.unsubscribe.unsuback.Mqtt5UnsubAckReasonCode;
import io.hookline.broker.metrics.BrokerMetrics.Counter;
import io.hookline.broker.testsupport.ManualTime;
import io.hookline.broker.testsupport.RawClient;
import io.hookline.broker.testsupport.RawClient.Connect;
import io.hookline.broker.testsupport.RawClient.Packet;
import io.hookline.broker.testsupport.TestBroker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** SUBSCRIBE/UNSUBSCRIBE results, subscription identifiers and message expiry in queues, end to end. */
class SubscriptionTest {

    private TestBroker broker;
    private Mqtt5BlockingClient pub; // see pub()

    @AfterEach
    void stop() {
        try {
            if (pub != null) {
                pub.disconnect();
            }
        } finally {
            broker.close();
        }
    }

    /** The test's MQTT 5 publisher "pub": connected on first use, disconnected after the test. */
    private Mqtt5BlockingClient pub() {
        if (pub == null) {
            pub = v5Connected(broker, "pub");
        }
        return pub;
    }

    // ---- SUBACK ----------------------------------------------------------------------------

    /** Client libraries refuse to send an invalid filter, so this SUBSCRIBE is built by hand. */
    @ParameterizedTest(name = "MQTT version {0}")
    @ValueSource(ints = {4, 5})
    void subackHasOneResultPerFilterWithAFailureForTheInvalidOne(int version) throws Exception {
        broker = TestBroker.start();
        try (RawClient raw = RawClient.connected(broker, new Connect(version, "mixed"))) {
            raw.send(RawClient.subscribe(
                    version,
                    7,
                    List.of("ok/+", "bad/#/filter", "fine/#", "x+y/z", "$share/g", "$share/g/ok", "$share//t"),
                    List.of(1, 0, 2, 1, 1, 1, 1)));
            Packet suback = raw.read();
            assertEquals(9, suback.type(), "SUBACK");
            int failure = version == 5 ? 0x8F : 0x80;
            assertEquals(List.of(1, failure, 2, failure, failure, 1, failure), suback.codes());
            assertEquals(3, broker.broker().subscriptions().size(), "only the valid filters were subscribed");
        }
    }

    @Test
    void subackRefusesAFilterDeeperThanTopicMaxDepthAndGrantsTheOthers() {
        broker = TestBroker.start("topic_max_depth", "3", "max_qos", "1");
        Mqtt5BlockingClient client = v5Connected(broker, "deep");
        try {
            Mqtt5SubAck ack;
            try {
                ack = client.subscribeWith()
                        .addSubscription()
                        .topicFilter("a/b/c")
                        .qos(MqttQos.EXACTLY_ONCE)
                        .applySubscription()
                        .addSubscription()
                        .topicFilter("a/b/c/d")
                        .qos(MqttQos.AT_LEAST_ONCE)
                        .applySubscription()
                        .addSubscription()
                        .topicFilter("a/#")
                        .qos(MqttQos.AT_MOST_ONCE)
                        .applySubscription()
                        .send();
            } catch (Mqtt5SubAckException e) {
                ack = e.getMqttMessage();
            }
            assertEquals(
                    List.of(
                            Mqtt5SubAckReasonCode.GRANTED_QOS_1,
                            Mqtt5SubAckReasonCode.TOPIC_FILTER_INVALID,
                            Mqtt5SubAckReasonCode.GRANTED_QOS_0),
                    ack.getReasonCodes(),
                    "QoS 2 granted as max_qos 1");
            assertEquals(1, broker.broker().metrics().get(Counter.LIMIT_TOPIC_DEPTH));
        } finally {
            client.disconnect();
        }
    }

    @Test
    void noLocalOnASharedSubscriptionIsAProtocolError() throws Exception {
        broker = TestBroker.start();
        try (RawClient raw = RawClient.connected(broker, new Connect(5, "selfish"))) {
            raw.send(RawClient.subscribe(5, 1, List.of("$share/g/t"), List.of(0x04 | 1))); // no local
            raw.expectDisconnect(0x82); // protocol error, then closed
        }
    }

    // ---- UNSUBSCRIBE -----------------------------------------------------------------------

    @Test
    void unsubackSaysWhichSubscriptionsExistedForMqtt5() throws Exception {
        broker = TestBroker.start();
        Mqtt5BlockingClient client = v5Connected(broker, "unsub");
        try (Mqtt5Publishes publishes = client.publishes(MqttGlobalPublishFilter.ALL)) {
            client.subscribeWith().topicFilter("u/+").send();
            Mqtt5UnsubAck ack = client.unsubscribeWith()
                    .addTopicFilter("u/+")
                    .addTopicFilter("never/subscribed")
                    .send();
            assertEquals(
                    List.of(Mqtt5UnsubAckReasonCode.SUCCESS, Mqtt5UnsubAckReasonCode.NO_SUBSCRIPTIONS_EXISTED),
                    ack.getReasonCodes());
            assertEquals(0, broker.broker().subscriptions().size());
            pub().publishWith().topic("u/1").payload(bytes("after unsubscribe")).send();
            nothing(publishes);
        } finally {
            client.disconnect();
        }
    }

    @Test
    void unsubscribeTellsSharedAndOrdinarySubscriptionsApart() throws Exception {
        broker = TestBroker.start();
        Mqtt5BlockingClient client = v5Connected(broker, "unsub");
        try {
            client.subscribeWith().topicFilter("$share/g/t").send();
            Mqtt5UnsubAck ack = client.unsubscribeWith()
                    .addTopicFilter("t")
                    .addTopicFilter("$share/other/t")
                    .addTopicFilter("$share/g/t")
                    .send();
            assertEquals(
                    List.of(
                            Mqtt5UnsubAckReasonCode.NO_SUBSCRIPTIONS_EXISTED,
                            Mqtt5UnsubAckReasonCode.NO_SUBSCRIPTIONS_EXISTED,
                            Mqtt5UnsubAckReasonCode.SUCCESS),
                    ack.getReasonCodes());
            assertEquals(0, broker.broker().subscriptions().size());
        } finally {
            client.disconnect();
        }
    }

    @Test
    void unsubscribeWorksForMqtt311() throws Exception {
        broker = TestBroker.start();
        Mqtt3BlockingClient client = v3Connected(broker, "unsub3");
        try (var publishes = client.publishes(MqttGlobalPublishFilter.ALL)) {
            client.subscribeWith().topicFilter("u/#").send();
            client.subscribeWith().topicFilter("keep").send();
            client.unsubscribeWith().topicFilter("u/#").send();
            client.unsubscribeWith().topicFilter("was/never/there").send();
            pub().publishWith().topic("u/1").payload(bytes("dropped")).send();
            pub().publishWith().topic("keep").payload(bytes("kept")).send();
            assertEquals("kept", text(next(publishes).getPayloadAsBytes()), "the connection is alive and in order");
        } finally {
            client.disconnect();
        }
    }

    // ---- subscription identifiers (Paho: the HiveMQ client manages identifiers itself) -----

    /** A Paho MQTT 5 client collecting what it receives. */
    private static final class PahoV5 implements MqttCallback, AutoCloseable {
        final MqttAsyncClient client;
        final BlockingQueue<MqttMessage> received = new LinkedBlockingQueue<>();
        final List<String> topics = new ArrayList<>();

        PahoV5(TestBroker broker, String clientId) throws MqttException {
            client = new MqttAsyncClient("tcp://127.0.0.1:" + broker.port(), clientId, new MemoryPersistence());
            client.setCallback(this);
            MqttConnectionOptions options = new MqttConnectionOptions();
            options.setCleanStart(true);
            options.setAutomaticReconnect(false);
            client.connect(options).waitForCompletion(5000);
        }

        void subscribe(String filter, int qos, int subscriptionId) throws MqttException {
            MqttProperties props = new MqttProperties();
            props.setSubscriptionIdentifier(subscriptionId);
            client.subscribe(new MqttSubscription[] {new MqttSubscription(filter, qos)}, null, null, props)
                    .waitForCompletion(5000);
        }

        void subscribe(String filter, int qos) throws MqttException {
            client.subscribe(
                            new MqttSubscription[] {new MqttSubscription(filter, qos)},
                            null,
                            null,
                            new MqttProperties())
                    .waitForCompletion(5000);
        }

        MqttMessage next() throws InterruptedException {
            MqttMessage m = received.poll(5, TimeUnit.SECONDS);
            assertNotNull(m, "expected a message within 5 s");
            return m;
        }

        @Override
        public synchronized void messageArrived(String topic, MqttMessage message) {
            topics.add(topic);
            received.add(message);
        }

        @Override
        public void disconnected(MqttDisconnectResponse response) {}

        @Override
        public void mqttErrorOccurred(MqttException exception) {}

        @Override
        public void deliveryComplete(IMqttToken token) {}

        @Override
        public void connectComplete(boolean reconnect, String serverURI) {}

        @Override
        public void authPacketArrived(int reasonCode, MqttProperties properties) {}

        @Override
        public void close() throws MqttException {
            client.disconnect().waitForCompletion(5000);
            client.close();
        }
    }

    @Test
    void overlappingSubscriptionsDeliverOnceWithBothSubscriptionIdentifiers() throws Exception {
        broker = TestBroker.start();
        try (PahoV5 sub = new PahoV5(broker, "ids")) {
            sub.subscribe("s/+", 1, 7);
            sub.subscribe("s/#", 0, 9);
            sub.subscribe("other", 0, 11);
            pub().publishWith()
                    .topic("s/x")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload(bytes("both"))
                    .send();
            MqttMessage m = sub.next();
            assertEquals("both", new String(m.getPayload()));
            assertEquals(1, m.getQos(), "the highest QoS of the two");
            assertEquals(Set.of(7, 9), new HashSet<>(m.getProperties().getSubscriptionIdentifiers()));
            assertEquals(2, m.getProperties().getSubscriptionIdentifiers().size());

            pub().publishWith().topic("other").payload(bytes("one")).send();
            MqttMessage single = sub.next();
            assertEquals("one", new String(single.getPayload()), "the first message came once");
            assertEquals(List.of(11), single.getProperties().getSubscriptionIdentifiers());
        }
    }

    @Test
    void resubscribingReplacesTheSubscriptionIdentifier() throws Exception {
        broker = TestBroker.start();
        try (PahoV5 sub = new PahoV5(broker, "ids")) {
            sub.subscribe("s", 1, 5);
            sub.subscribe("s", 1, 6);
            assertEquals(1, broker.broker().subscriptions().size());
            pub().publishWith().topic("s").payload(bytes("six")).send();
            assertEquals(List.of(6), sub.next().getProperties().getSubscriptionIdentifiers());
            sub.subscribe("s", 1);
            pub().publishWith().topic("s").payload(bytes("none")).send();
            assertEquals(List.of(), sub.next().getProperties().getSubscriptionIdentifiers());
        }
    }

    @Test
    void retainedMessageSentOnSubscribeCarriesTheSubscriptionIdentifier() throws Exception {
        broker = TestBroker.start();
        pub().publishWith()
                .topic("state/1")
                .retain(true)
                .qos(MqttQos.AT_LEAST_ONCE)
                .payload(bytes("on"))
                .send();
        try (PahoV5 sub = new PahoV5(broker, "ids")) {
            sub.subscribe("state/+", 1, 42);
            MqttMessage m = sub.next();
            assertTrue(m.isRetained());
            assertEquals(List.of(42), m.getProperties().getSubscriptionIdentifiers());
        }
    }

    // ---- message expiry in the offline queue -----------------------------------------------

    private List<io.hookline.broker.routing.Message> retained(String filter) {
        List<io.hookline.broker.routing.Message> found = new ArrayList<>();
        broker.broker().retained().matching(filter, broker.broker().clock().millis(), found::add);
        return found;
    }

    @Test
    void offlineQueueDropsExpiredMessagesAndDecrementsTheExpiryOfTheRest() throws Exception {
        ManualTime time = new ManualTime(); // message expiry runs on the broker's clock: the test moves it
        broker = TestBroker.startOn(null, time.clock(), time);
        Mqtt5BlockingClient sub = v5(broker, "later").toBlocking();
        sub.connectWith().cleanStart(false).sessionExpiryInterval(300).send();
        sub.subscribeWith().topicFilter("exp/#").qos(MqttQos.AT_LEAST_ONCE).send();
        sub.disconnect();
        await().atMost(Duration.ofSeconds(5))
                .until(() -> !broker.broker().sessions().get("later").isOnline());

        pub().publishWith()
                .topic("exp/long")
                .qos(MqttQos.AT_LEAST_ONCE)
                .messageExpiryInterval(60)
                .payload(bytes("still fresh"))
                .send();
        // retained as well, so the store shows when the broker's clock has expired it; the
        // queued copy is the same message with the same deadline
        pub().publishWith()
                .topic("exp/short")
                .qos(MqttQos.AT_LEAST_ONCE)
                .messageExpiryInterval(1)
                .retain(true)
                .payload(bytes("stale"))
                .send();
        pub().publishWith()
                .topic("exp/none")
                .qos(MqttQos.AT_LEAST_ONCE)
                .payload(bytes("no expiry"))
                .send();
        assertEquals(3, broker.broker().sessions().get("later").queueSize());
        time.advance(Duration.ofMillis(999));
        assertEquals(1, retained("exp/short").size(), "not expired before its 1 s");
        time.advance(Duration.ofMillis(1));
        assertEquals(List.of(), retained("exp/short"), "expired at 1 s");

        Mqtt5BlockingClient again = v5(broker, "later").toBlocking();
        try (Mqtt5Publishes publishes = again.publishes(MqttGlobalPublishFilter.ALL)) {
            again.connectWith().cleanStart(false).sessionExpiryInterval(300).send();
            Mqtt5Publish first = next(publishes);
            assertEquals("exp/long", first.getTopic().toString());
            // queued for exactly 1 s of the broker's time: decremented by exactly that
            assertEquals(59, first.getMessageExpiryInterval().orElseThrow(), "decremented by the time spent queued");
            Mqtt5Publish second = next(publishes);
            assertEquals("exp/none", second.getTopic().toString(), "the expired one was dropped");
            assertTrue(second.getMessageExpiryInterval().isEmpty());
            assertEquals(1, broker.broker().metrics().get(Counter.DROPPED_EXPIRED));
            nothing(publishes);
        } finally {
            again.disconnect();
        }
    }
}
