package io.hookline.broker.protocol;

import static io.hookline.broker.testsupport.Clients.bytes;
import static io.hookline.broker.testsupport.Clients.text;
import static io.hookline.broker.testsupport.Clients.v3Connected;
import static io.hookline.broker.testsupport.Clients.v5Connected;
import static io.hookline.broker.testsupport.Receive.next;
import static io.hookline.broker.testsupport.Receive.nothing;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient.Mqtt5Publishes;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import io.hookline.broker.testsupport.TestBroker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PublishSubscribeTest {

    private TestBroker broker;

    @BeforeEach
    void start() {
        broker = TestBroker.start();
    }

    @AfterEach
    void stop() {
        broker.close();
    }

    /** An MQTT 5 subscriber "sub" with its publish stream and a publisher "pub"; closing disconnects both. */
    private record SubAndPub(Mqtt5BlockingClient sub, Mqtt5Publishes publishes, Mqtt5BlockingClient pub)
            implements AutoCloseable {
        @Override
        public void close() {
            publishes.close();
            sub.disconnect();
            pub.disconnect();
        }
    }

    private SubAndPub subAndPub() {
        Mqtt5BlockingClient sub = v5Connected(broker, "sub");
        return new SubAndPub(sub, sub.publishes(MqttGlobalPublishFilter.ALL), v5Connected(broker, "pub"));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2})
    void messageReachesSubscriberAtEachQosForMqtt5(int qos) throws Exception {
        try (SubAndPub c = subAndPub()) {
            c.sub()
                    .subscribeWith()
                    .topicFilter("a/b")
                    .qos(MqttQos.fromCode(qos))
                    .send();
            for (int i = 0; i < 20; i++) {
                c.pub()
                        .publishWith()
                        .topic("a/b")
                        .qos(MqttQos.fromCode(qos))
                        .payload(bytes("m" + i))
                        .send();
            }
            for (int i = 0; i < 20; i++) {
                Mqtt5Publish p = next(c.publishes());
                assertEquals("m" + i, text(p.getPayloadAsBytes()), "in order");
                assertEquals(qos, p.getQos().getCode());
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2})
    void messageReachesSubscriberAtEachQosForMqtt311(int qos) throws Exception {
        Mqtt3BlockingClient sub = v3Connected(broker, "sub3");
        Mqtt3BlockingClient pub = v3Connected(broker, "pub3");
        try (var publishes = sub.publishes(MqttGlobalPublishFilter.ALL)) {
            sub.subscribeWith().topicFilter("x/+").qos(MqttQos.fromCode(qos)).send();
            pub.publishWith()
                    .topic("x/y")
                    .qos(MqttQos.fromCode(qos))
                    .payload(bytes("hello"))
                    .send();
            var p = next(publishes);
            assertEquals("hello", text(p.getPayloadAsBytes()));
            assertEquals("x/y", p.getTopic().toString());
            assertEquals(qos, p.getQos().getCode());
        } finally {
            sub.disconnect();
            pub.disconnect();
        }
    }

    @Test
    void qosIsDowngradedToTheSubscriptionQos() throws Exception {
        try (SubAndPub c = subAndPub()) {
            c.sub().subscribeWith().topicFilter("d").qos(MqttQos.AT_LEAST_ONCE).send();
            c.pub()
                    .publishWith()
                    .topic("d")
                    .qos(MqttQos.EXACTLY_ONCE)
                    .payload(bytes("x"))
                    .send();
            assertEquals(MqttQos.AT_LEAST_ONCE, next(c.publishes()).getQos());
        }
    }

    @Test
    void wildcardsMatchButNotDollarTopics() throws Exception {
        try (SubAndPub c = subAndPub()) {
            c.sub().subscribeWith().topicFilter("#").send();
            c.pub().publishWith().topic("$private/x").payload(bytes("hidden")).send();
            c.pub()
                    .publishWith()
                    .topic("sport/tennis/player1")
                    .payload(bytes("seen"))
                    .send();
            assertEquals("sport/tennis/player1", next(c.publishes()).getTopic().toString());
            nothing(c.publishes());
        }
    }

    @Test
    void overlappingSubscriptionsDeliverOnceWithEverySubscriptionIdentifier() throws Exception {
        try (SubAndPub c = subAndPub()) {
            c.sub().subscribeWith().topicFilter("a/+").qos(MqttQos.AT_MOST_ONCE).send();
            c.sub()
                    .subscribeWith()
                    .topicFilter("a/#")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .send();
            // subscription identifiers travel as a SUBSCRIBE property; the HiveMQ client sets them itself
            c.pub()
                    .publishWith()
                    .topic("a/b")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload(bytes("once"))
                    .send();
            Mqtt5Publish p = next(c.publishes());
            assertEquals(MqttQos.AT_LEAST_ONCE, p.getQos(), "the highest QoS of the matching subscriptions");
            nothing(c.publishes());
        }
    }

    @Test
    void noLocalSubscriptionDoesNotReceiveOwnMessages() throws Exception {
        Mqtt5BlockingClient client = v5Connected(broker, "self");
        try (Mqtt5Publishes publishes = client.publishes(MqttGlobalPublishFilter.ALL)) {
            client.subscribeWith().topicFilter("loop").noLocal(true).send();
            client.publishWith().topic("loop").payload(bytes("mine")).send();
            nothing(publishes);
        } finally {
            client.disconnect();
        }
    }

    @Test
    void publishWithoutSubscribersIsAcknowledgedWithNoMatchingSubscribers() {
        Mqtt5BlockingClient pub = v5Connected(broker, "pub");
        try {
            Mqtt5PublishResult result = pub.publishWith()
                    .topic("nobody/home")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload(bytes("x"))
                    .send();
            var ack = ((Mqtt5PublishResult.Mqtt5Qos1Result) result).getPubAck();
            assertEquals(Mqtt5PubAckReasonCode.NO_MATCHING_SUBSCRIBERS, ack.getReasonCode());
        } finally {
            pub.disconnect();
        }
    }

    @Test
    void mqtt5PropertiesAreForwardedUnchanged() throws Exception {
        try (SubAndPub c = subAndPub()) {
            c.sub().subscribeWith().topicFilter("req").send();
            c.pub()
                    .publishWith()
                    .topic("req")
                    .payload(bytes("{}"))
                    .contentType("application/json")
                    .responseTopic("resp/1")
                    .correlationData(bytes("corr"))
                    .payloadFormatIndicator(
                            com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PayloadFormatIndicator.UTF_8)
                    .userProperties()
                    .add("k", "v")
                    .add("k", "v2")
                    .applyUserProperties()
                    .messageExpiryInterval(120)
                    .send();
            Mqtt5Publish p = next(c.publishes());
            assertEquals("application/json", p.getContentType().orElseThrow().toString());
            assertEquals("resp/1", p.getResponseTopic().orElseThrow().toString());
            assertEquals(
                    "corr",
                    text(p.getCorrelationData()
                            .map(b -> {
                                byte[] out = new byte[b.remaining()];
                                b.get(out);
                                return out;
                            })
                            .orElseThrow()));
            assertEquals(2, p.getUserProperties().asList().size());
            assertEquals("v2", p.getUserProperties().asList().get(1).getValue().toString());
            long expiry = p.getMessageExpiryInterval().orElseThrow();
            assertTrue(expiry <= 120 && expiry >= 118, "expiry decremented in flight, got " + expiry);
        }
    }
}
