package io.hookline.broker.routing;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient.Mqtt3Publishes;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient.Mqtt5Publishes;
import io.hookline.broker.testsupport.TestBroker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static io.hookline.broker.testsupport.Clients.bytes;
import static io.hookline.broker.testsupport.Clients.text;
import static io.hookline.broker.testsupport.Clients.v3Connected;
import static io.hookline.broker.testsupport.Clients.v5;
import static io.hookline.broker.testsupport.Clients.v5Connected;
import static io.hookline.broker.testsupport.Receive.next;
import static io.hookline.broker.testsupport.Receive.nothing;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code $share/group/filter} end to end, for MQTT 5 and 3.1.1 members. */
class SharedSubscriptionTest {

    private static final int MESSAGES = 30;

    private TestBroker broker;
    private final List<AutoCloseable> cleanup = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (int i = cleanup.size() - 1; i >= 0; i--) {
            cleanup.get(i).close();
        }
        broker.close();
    }

    /** A member of one shared group: a client and the messages it received. */
    private interface Member {
        /** Payloads received until none came for a short while. */
        List<String> drain() throws InterruptedException;
    }

    private Member v5Member(String clientId, String filter) {
        Mqtt5BlockingClient client = v5Connected(broker, clientId);
        Mqtt5Publishes publishes = client.publishes(MqttGlobalPublishFilter.ALL);
        cleanup.add(client::disconnect);
        cleanup.add(publishes);
        client.subscribeWith().topicFilter(filter).qos(MqttQos.AT_LEAST_ONCE).send();
        return () -> {
            List<String> got = new ArrayList<>();
            Optional<com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish> p;
            while ((p = publishes.receive(300, TimeUnit.MILLISECONDS)).isPresent()) {
                got.add(text(p.get().getPayloadAsBytes()));
            }
            return got;
        };
    }

    private Member v3Member(String clientId, String filter) {
        Mqtt3BlockingClient client = v3Connected(broker, clientId);
        Mqtt3Publishes publishes = client.publishes(MqttGlobalPublishFilter.ALL);
        cleanup.add(client::disconnect);
        cleanup.add(publishes);
        client.subscribeWith().topicFilter(filter).qos(MqttQos.AT_LEAST_ONCE).send();
        return () -> {
            List<String> got = new ArrayList<>();
            Optional<com.hivemq.client.mqtt.mqtt3.message.publish.Mqtt3Publish> p;
            while ((p = publishes.receive(300, TimeUnit.MILLISECONDS)).isPresent()) {
                got.add(text(p.get().getPayloadAsBytes()));
            }
            return got;
        };
    }

    private Mqtt5BlockingClient publisher() {
        Mqtt5BlockingClient pub = v5Connected(broker, "pub");
        cleanup.add(pub::disconnect);
        return pub;
    }

    private static void publish(Mqtt5BlockingClient pub, String topic, int count) {
        for (int i = 0; i < count; i++) {
            pub.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(bytes("m" + i)).send();
        }
    }

    @Test
    void eachMessageGoesToExactlyOneMemberOfMixedVersions() throws Exception {
        broker = TestBroker.start();
        List<Member> members = List.of(
                v5Member("a5", "$share/g/jobs/+"),
                v5Member("b5", "$share/g/jobs/+"),
                v3Member("c3", "$share/g/jobs/+"));
        publish(publisher(), "jobs/x", MESSAGES);
        List<String> all = new ArrayList<>();
        for (Member m : members) {
            all.addAll(m.drain());
        }
        assertEquals(MESSAGES, all.size(), "every message delivered once: " + all);
        assertEquals(MESSAGES, new HashSet<>(all).size(), "no message twice");
    }

    @Test
    void twoGroupsEachGetEveryMessageOnce() throws Exception {
        broker = TestBroker.start();
        Member g1a = v5Member("g1a", "$share/one/t");
        Member g1b = v3Member("g1b", "$share/one/t");
        Member g2 = v5Member("g2", "$share/two/t");
        publish(publisher(), "t", 10);
        assertEquals(10, g1a.drain().size() + g1b.drain().size());
        assertEquals(10, g2.drain().size());
    }

    @Test
    void roundRobinDistributesEvenly() throws Exception {
        broker = TestBroker.start("shared_subscription_policy", "round_robin");
        List<Member> members = List.of(
                v5Member("a5", "$share/rr/work"),
                v3Member("b3", "$share/rr/work"),
                v5Member("c5", "$share/rr/work"));
        publish(publisher(), "work", MESSAGES);
        Set<String> seen = new HashSet<>();
        for (Member m : members) {
            List<String> got = m.drain();
            assertEquals(MESSAGES / members.size(), got.size(), "an even share: " + got);
            seen.addAll(got);
        }
        assertEquals(MESSAGES, seen.size());
    }

    @Test
    void aMemberThatUnsubscribesGetsNoMoreMessages() throws Exception {
        broker = TestBroker.start("shared_subscription_policy", "round_robin");
        Member stays = v5Member("stays", "$share/g/t");
        Mqtt3BlockingClient leaver = v3Connected(broker, "leaver3");
        cleanup.add(leaver::disconnect);
        try (Mqtt3Publishes publishes = leaver.publishes(MqttGlobalPublishFilter.ALL)) {
            leaver.subscribeWith().topicFilter("$share/g/t").qos(MqttQos.AT_LEAST_ONCE).send();
            Mqtt5BlockingClient pub = publisher();
            publish(pub, "t", 4);
            assertEquals(2, stays.drain().size());
            for (int i = 0; i < 2; i++) {
                next(publishes);
            }
            leaver.unsubscribeWith().topicFilter("$share/g/t").send();
            publish(pub, "t", 10);
            assertEquals(10, stays.drain().size());
            nothing(publishes);
        }
    }

    @Test
    void sharedSubscribeGetsNoRetainedMessages() throws Exception {
        broker = TestBroker.start();
        Mqtt5BlockingClient pub = publisher();
        pub.publishWith().topic("state").retain(true).qos(MqttQos.AT_LEAST_ONCE).payload(bytes("retained")).send();
        Member v5 = v5Member("s5", "$share/g/state");
        Member v3 = v3Member("s3", "$share/g/state");
        assertEquals(List.of(), v5.drain());
        assertEquals(List.of(), v3.drain());
        // while an ordinary subscription does get it
        assertEquals(List.of("retained"), v5Member("plain", "state").drain());
    }

    @Test
    void offlinePersistentMembersAreSkippedWhileAnotherMemberIsOnline() throws Exception {
        broker = TestBroker.start("shared_subscription_policy", "round_robin");
        Mqtt5BlockingClient away = v5(broker, "away").toBlocking();
        away.connectWith().cleanStart(false).sessionExpiryInterval(60).send();
        away.subscribeWith().topicFilter("$share/g/t").qos(MqttQos.AT_LEAST_ONCE).send();
        away.disconnect();
        await().atMost(Duration.ofSeconds(5)).until(() -> !broker.broker().sessions().get("away").isOnline());

        Member online = v5Member("online", "$share/g/t");
        publish(publisher(), "t", 10);
        assertEquals(10, online.drain().size(), "all to the online member");
        assertEquals(0, broker.broker().sessions().get("away").queueSize(), "nothing queued for the offline one");

        Mqtt5BlockingClient back = v5(broker, "away").toBlocking();
        try (Mqtt5Publishes publishes = back.publishes(MqttGlobalPublishFilter.ALL)) {
            assertTrue(back.connectWith().cleanStart(false).sessionExpiryInterval(60).send().isSessionPresent());
            nothing(publishes);
        } finally {
            back.disconnect();
        }
    }

    @Test
    void withEveryMemberOfflineMessagesAreQueuedForOne() throws Exception {
        broker = TestBroker.start();
        for (String id : List.of("off1", "off2")) {
            Mqtt5BlockingClient c = v5(broker, id).toBlocking();
            c.connectWith().cleanStart(false).sessionExpiryInterval(60).send();
            c.subscribeWith().topicFilter("$share/g/t").qos(MqttQos.AT_LEAST_ONCE).send();
            c.disconnect();
            await().atMost(Duration.ofSeconds(5)).until(() -> !broker.broker().sessions().get(id).isOnline());
        }
        publish(publisher(), "t", 6);
        int queued = broker.broker().sessions().get("off1").queueSize()
                + broker.broker().sessions().get("off2").queueSize();
        assertEquals(6, queued, "each message queued with exactly one member");
    }
}
