package io.hookline.broker.routing;

import static io.hookline.broker.testsupport.Clients.bytes;
import static io.hookline.broker.testsupport.Clients.text;
import static io.hookline.broker.testsupport.Clients.v3Connected;
import static io.hookline.broker.testsupport.Clients.v5;
import static io.hookline.broker.testsupport.Clients.v5Connected;
import static io.hookline.broker.testsupport.Receive.QUIET_MILLIS;
import static io.hookline.broker.testsupport.Receive.nothing;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient.Mqtt5Publishes;
import io.hookline.broker.testsupport.TestBroker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

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

    /** What one member of a group received, filled by the client's callback thread. */
    private record Member(List<String> received) {}

    private Member v5Member(String clientId, String filter) {
        Member member = new Member(new CopyOnWriteArrayList<>());
        Mqtt5BlockingClient client = v5Connected(broker, clientId);
        cleanup.add(client::disconnect);
        client.toAsync()
                .subscribeWith()
                .topicFilter(filter)
                .qos(MqttQos.AT_LEAST_ONCE)
                .callback(p -> member.received().add(text(p.getPayloadAsBytes())))
                .send()
                .join();
        return member;
    }

    private Member v3Member(String clientId, String filter) {
        Member member = new Member(new CopyOnWriteArrayList<>());
        Mqtt3BlockingClient client = v3Connected(broker, clientId);
        cleanup.add(client::disconnect);
        client.toAsync()
                .subscribeWith()
                .topicFilter(filter)
                .qos(MqttQos.AT_LEAST_ONCE)
                .callback(p -> member.received().add(text(p.getPayloadAsBytes())))
                .send()
                .join();
        return member;
    }

    private static int total(List<Member> members) {
        return members.stream().mapToInt(m -> m.received().size()).sum();
    }

    /** Waits until the members received {@code expected} messages in all, and no more came for a short while. */
    private static void awaitTotal(List<Member> members, int expected) {
        await().atMost(Duration.ofSeconds(10)).until(() -> total(members) >= expected);
        await().during(Duration.ofMillis(QUIET_MILLIS))
                .atMost(Duration.ofSeconds(2))
                .until(() -> total(members) == expected);
    }

    private Mqtt5BlockingClient publisher() {
        Mqtt5BlockingClient pub = v5Connected(broker, "pub");
        cleanup.add(pub::disconnect);
        return pub;
    }

    private static void publish(Mqtt5BlockingClient pub, String topic, int count) {
        for (int i = 0; i < count; i++) {
            pub.publishWith()
                    .topic(topic)
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload(bytes("m" + i))
                    .send();
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
        awaitTotal(members, MESSAGES);
        Set<String> distinct = new HashSet<>();
        members.forEach(m -> distinct.addAll(m.received()));
        assertEquals(MESSAGES, distinct.size(), "no message twice");
    }

    @Test
    void twoGroupsEachGetEveryMessageOnce() throws Exception {
        broker = TestBroker.start();
        Member g1a = v5Member("g1a", "$share/one/t");
        Member g1b = v3Member("g1b", "$share/one/t");
        Member g2 = v5Member("g2", "$share/two/t");
        publish(publisher(), "t", 10);
        awaitTotal(List.of(g1a, g1b, g2), 20);
        assertEquals(10, g2.received().size());
    }

    @Test
    void roundRobinDistributesEvenly() throws Exception {
        broker = TestBroker.start("shared_subscription_policy", "round_robin");
        List<Member> members = List.of(
                v5Member("a5", "$share/rr/work"), v3Member("b3", "$share/rr/work"), v5Member("c5", "$share/rr/work"));
        publish(publisher(), "work", MESSAGES);
        awaitTotal(members, MESSAGES);
        for (Member m : members) {
            assertEquals(MESSAGES / members.size(), m.received().size(), "an even share: " + m.received());
        }
    }

    @Test
    void aMemberThatUnsubscribesGetsNoMoreMessages() throws Exception {
        broker = TestBroker.start("shared_subscription_policy", "round_robin");
        Member stays = v5Member("stays", "$share/g/t");
        Member leaves = new Member(new CopyOnWriteArrayList<>());
        Mqtt3BlockingClient leaver = v3Connected(broker, "leaver3");
        cleanup.add(leaver::disconnect);
        leaver.toAsync()
                .subscribeWith()
                .topicFilter("$share/g/t")
                .qos(MqttQos.AT_LEAST_ONCE)
                .callback(p -> leaves.received().add(text(p.getPayloadAsBytes())))
                .send()
                .join();
        Mqtt5BlockingClient pub = publisher();
        publish(pub, "t", 4);
        awaitTotal(List.of(stays, leaves), 4);
        assertEquals(2, leaves.received().size());

        leaver.unsubscribeWith().topicFilter("$share/g/t").send();
        publish(pub, "t", 10);
        awaitTotal(List.of(stays, leaves), 14);
        assertEquals(12, stays.received().size(), "everything after the unsubscribe");
    }

    @Test
    void sharedSubscribeGetsNoRetainedMessages() throws Exception {
        broker = TestBroker.start();
        Mqtt5BlockingClient pub = publisher();
        pub.publishWith()
                .topic("state")
                .retain(true)
                .qos(MqttQos.AT_LEAST_ONCE)
                .payload(bytes("retained"))
                .send();
        Member v5 = v5Member("s5", "$share/g/state");
        Member v3 = v3Member("s3", "$share/g/state");
        // an ordinary subscription does get it
        Member plain = v5Member("plain", "state");
        awaitTotal(List.of(plain, v5, v3), 1);
        assertEquals(List.of("retained"), plain.received());
    }

    @Test
    void offlinePersistentMembersAreSkippedWhileAnotherMemberIsOnline() throws Exception {
        broker = TestBroker.start("shared_subscription_policy", "round_robin");
        Mqtt5BlockingClient away = v5(broker, "away").toBlocking();
        away.connectWith().cleanStart(false).sessionExpiryInterval(60).send();
        away.subscribeWith()
                .topicFilter("$share/g/t")
                .qos(MqttQos.AT_LEAST_ONCE)
                .send();
        away.disconnect();
        await().atMost(Duration.ofSeconds(5))
                .until(() -> !broker.broker().sessions().get("away").isOnline());

        Member online = v5Member("online", "$share/g/t");
        publish(publisher(), "t", 10);
        awaitTotal(List.of(online), 10);
        assertEquals(0, broker.broker().sessions().get("away").queueSize(), "nothing queued for the offline one");

        Mqtt5BlockingClient back = v5(broker, "away").toBlocking();
        try (Mqtt5Publishes publishes = back.publishes(MqttGlobalPublishFilter.ALL)) {
            assertTrue(back.connectWith()
                    .cleanStart(false)
                    .sessionExpiryInterval(60)
                    .send()
                    .isSessionPresent());
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
            c.subscribeWith()
                    .topicFilter("$share/g/t")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .send();
            c.disconnect();
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> !broker.broker().sessions().get(id).isOnline());
        }
        publish(publisher(), "t", 6);
        int queued = broker.broker().sessions().get("off1").queueSize()
                + broker.broker().sessions().get("off2").queueSize();
        assertEquals(6, queued, "each message queued with exactly one member");
    }
}
