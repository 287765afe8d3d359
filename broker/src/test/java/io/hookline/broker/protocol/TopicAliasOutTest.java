package io.hookline.broker.protocol;

import static io.hookline.broker.testsupport.Clients.bytes;
import static io.hookline.broker.testsupport.Clients.v5Builder;
import static io.hookline.broker.testsupport.Clients.v5Connected;
import static io.hookline.broker.testsupport.RawClient.PUBACK;
import static io.hookline.broker.testsupport.RawClient.PUBLISH;
import static io.hookline.broker.testsupport.RawClient.SUBACK;
import static io.hookline.broker.testsupport.RawClient.connect;
import static io.hookline.broker.testsupport.RawClient.publish;
import static io.hookline.broker.testsupport.RawClient.subscribe;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.hookline.broker.testsupport.RawClient;
import io.hookline.broker.testsupport.RawClient.Bytes;
import io.hookline.broker.testsupport.RawClient.Packet;
import io.hookline.broker.testsupport.TestBroker;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Issue 15 item 5: towards an MQTT 5 client that announces a Topic Alias Maximum the broker
 * sends topic aliases, at most that many (and outbound_topic_alias_maximum), keeping them for
 * the topics sent most recently: the first PUBLISH of a topic carries the topic and sets its
 * alias, later ones carry an empty topic and the alias alone.
 */
class TopicAliasOutTest extends WireTestBase {

    private static final String T1 = "alias/first/topic", T2 = "alias/second/topic", T3 = "alias/third/topic";

    /** A raw v5 subscriber to # that announced Topic Alias Maximum {@code maximum} (none when 0). */
    private static RawClient subscriber(TestBroker broker, int maximum) {
        RawClient c = RawClient.open(broker, 5);
        c.send(connect(
                5, "alias-sub", 0x02, 60, maximum > 0 ? new Bytes().u8(0x22).u16(maximum) : new Bytes()));
        c.expectConnack(0);
        c.send(subscribe(5, 1, "#", 0));
        c.expect(SUBACK);
        return c;
    }

    /** Publishes {@code topics} in order, each acknowledged before the next. */
    private static void publishAll(TestBroker broker, String... topics) {
        try (RawClient publisher = RawClient.connected(broker, 5, "alias-pub")) {
            int id = 1;
            for (String topic : topics) {
                publisher.send(publish(5, topic, 1, id, bytes(topic)));
                assertEquals(id++, publisher.expect(PUBACK).packetId());
            }
        }
    }

    /** "topic@alias" for each PUBLISH received: the topic as sent (empty when left out), the alias or 0. */
    private static List<String> received(RawClient c, int n) {
        List<String> seen = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Packet p = c.expect(PUBLISH);
            Object alias = p.properties().get(0x23);
            seen.add(p.topic() + "@" + (alias == null ? 0 : alias));
        }
        return seen;
    }

    @Test
    void repeatedTopicsAreSentAsAliasesAndTheLeastRecentlyUsedGivesItsAliasUp() {
        try (RawClient c = subscriber(broker, 2)) {
            publishAll(broker, T1, T1, T2, T3, T2, T1, "a/b", "alias");
            assertEquals(
                    List.of(
                            T1 + "@1", // set
                            "@1", // used alone: two bytes instead of the topic
                            T2 + "@2", T3 + "@1", // T1 was used least recently: its alias goes to T3
                            "@2", T1 + "@1", // T3 is the least recent now
                            "a/b@0", // three bytes: an alias would not save anything
                            "alias@2"), // T2 is the least recent now
                    received(c, 8));
        }
    }

    @Test
    void clientThatAnnouncesNoMaximumGetsNoAliases() {
        try (RawClient c = subscriber(broker, 0)) {
            publishAll(broker, T1, T1);
            assertEquals(List.of(T1 + "@0", T1 + "@0"), received(c, 2));
        }
    }

    @Test
    void outboundTopicAliasMaximumZeroTurnsThemOff() {
        try (TestBroker off = TestBroker.start("outbound_topic_alias_maximum", "0");
                RawClient c = subscriber(off, 5)) {
            publishAll(off, T1, T1);
            assertEquals(List.of(T1 + "@0", T1 + "@0"), received(c, 2));
        }
    }

    /** A real client (HiveMQ) resolves the aliases back to the topics. */
    @Test
    void hivemqClientSeesEveryTopicWhole() throws Exception {
        Mqtt5BlockingClient sub = v5Builder(broker, "hivemq-alias").buildBlocking();
        sub.connectWith()
                .restrictions()
                .topicAliasMaximum(2)
                .applyRestrictions()
                .send();
        try (Mqtt5BlockingClient.Mqtt5Publishes inbox = sub.publishes(MqttGlobalPublishFilter.ALL)) {
            sub.subscribeWith()
                    .topicFilter("alias/#")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .send();
            Mqtt5BlockingClient pub = v5Connected(broker, "hivemq-pub");
            List<String> sent = List.of(T1, T1, T2, T3, T2, T1, T3);
            for (String t : sent) {
                pub.publishWith()
                        .topic(t)
                        .qos(MqttQos.AT_LEAST_ONCE)
                        .payload(bytes(t))
                        .send();
            }
            pub.disconnect();
            List<String> got = new ArrayList<>();
            for (int i = 0; i < sent.size(); i++) {
                Optional<Mqtt5Publish> p = inbox.receive(5, TimeUnit.SECONDS);
                assertTrue(p.isPresent(), "message " + i);
                got.add(p.get().getTopic().toString());
            }
            assertEquals(sent, got);
            assertFalse(inbox.receive(100, TimeUnit.MILLISECONDS).isPresent());
        } finally {
            sub.disconnect();
        }
    }
}
