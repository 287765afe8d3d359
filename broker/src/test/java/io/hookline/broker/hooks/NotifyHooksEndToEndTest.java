package io.hookline.broker.hooks;

import static io.hookline.broker.testsupport.Clients.bytes;
import static io.hookline.broker.testsupport.Clients.text;
import static io.hookline.broker.testsupport.Clients.v3;
import static io.hookline.broker.testsupport.Clients.v3Connected;
import static io.hookline.broker.testsupport.Clients.v5;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.hookline.api.hook.Answer;
import io.hookline.api.hook.Hooks;
import io.hookline.api.hook.Modifier;
import io.hookline.api.hook.Modifiers;
import io.hookline.api.mqtt.TopicSubscription;
import io.hookline.broker.hooks.testplugins.Journal;
import io.hookline.broker.hooks.testplugins.Script;
import io.hookline.broker.testsupport.Acks;
import io.hookline.broker.testsupport.ManualTime;
import io.hookline.broker.testsupport.Receive;
import io.hookline.broker.testsupport.TestBroker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Every NOTIFY hook fires at its moment, in order, as seen by the recording plugin. */
class NotifyHooksEndToEndTest {
    private final Journal journal = Journal.create();
    private final Script script = Script.create();
    private TestBroker broker;
    /** The broker's timers (session expiry) run on it: the test moves time instead of waiting. */
    private final ManualTime time = new ManualTime();

    @AfterEach
    void stop() {
        if (broker != null) {
            broker.close();
        }
        journal.close();
        script.close();
    }

    private void start(String... more) {
        // refuse x/# so that on_subscribe shows a refused topic
        script.sync(
                Hooks.AUTH_ON_SUBSCRIBE,
                in -> Answer.ok(Modifiers.of(
                        Modifier.TOPICS,
                        in.topics().stream()
                                .map(t -> t.topic().startsWith("x/") ? t.withQos(TopicSubscription.REFUSED) : t)
                                .toList())));
        broker = TestBroker.startOn(
                null, time.clock(), time, Acks.config(journal.enable(), script.enable("script_a"), more));
    }

    @Test
    void persistentSessionLifecycleWithOfflineMessagesAndADrop() throws Exception {
        start("max_offline_messages", "1");
        Mqtt3BlockingClient n1 = v3(broker, "n1").toBlocking();
        n1.connectWith().cleanSession(false).send();
        journal.awaitEvent("on_register", "n1");
        assertEquals(List.of(1, 0x80), Acks.subackV3(n1, 1, "a/b", "x/#"));
        journal.awaitEvent("on_subscribe", "n1");

        Mqtt3BlockingClient p1 = v3Connected(broker, "p1");
        var live = n1.publishes(MqttGlobalPublishFilter.ALL);
        p1.publishWith()
                .topic("a/b")
                .qos(MqttQos.AT_LEAST_ONCE)
                .payload(bytes("live"))
                .send();
        assertEquals("live", text(Receive.next(live).getPayloadAsBytes()));
        live.close();
        journal.awaitEvent("on_publish", "p1");

        n1.disconnect();
        journal.awaitEvent("on_client_offline", "n1");
        p1.publishWith()
                .topic("a/b")
                .qos(MqttQos.AT_LEAST_ONCE)
                .payload(bytes("old"))
                .send();
        p1.publishWith()
                .topic("a/b")
                .qos(MqttQos.AT_LEAST_ONCE)
                .payload(bytes("new"))
                .send();
        journal.awaitEvent("on_message_drop", "n1"); // the queue holds one: the oldest goes
        journal.awaitEvent(e -> e.toString().equals("on_offline_message a/b q1 \"new\""), "second offline message");

        Mqtt3BlockingClient n1again = v3(broker, "n1").toBlocking();
        var queued = n1again.publishes(MqttGlobalPublishFilter.ALL);
        assertTrue(n1again.connectWith().cleanSession(false).send().isSessionPresent());
        journal.awaitEvent(
                e -> e.clientId().equals("n1")
                        && e.hook().equals("on_client_wakeup")
                        && journal.hooks("n1").stream()
                                        .filter("on_client_wakeup"::equals)
                                        .count()
                                == 2,
                "second wakeup");
        assertEquals("new", text(Receive.next(queued).getPayloadAsBytes()));
        queued.close();
        n1again.unsubscribeWith().topicFilter("a/b").send();
        journal.awaitEvent("on_topic_unsubscribed", "n1");
        n1again.disconnect();
        journal.awaitEvent(
                e -> e.clientId().equals("n1")
                        && e.hook().equals("on_client_offline")
                        && journal.hooks("n1").stream()
                                        .filter("on_client_offline"::equals)
                                        .count()
                                == 2,
                "second offline");
        p1.disconnect();

        assertEquals(
                List.of(
                        "on_register",
                        "on_client_wakeup",
                        "on_subscribe [a/b:1, x/#:128]",
                        "on_client_offline",
                        "on_offline_message a/b q1 \"old\"",
                        "on_message_drop queue_full a/b q1",
                        "on_offline_message a/b q1 \"new\"",
                        "on_register",
                        "on_client_wakeup",
                        "on_topic_unsubscribed [a/b]",
                        "on_client_offline"),
                journal.summary("n1"));
        assertTrue(
                journal.summary("p1")
                        .containsAll(List.of(
                                "on_publish a/b q1 \"live\"",
                                "on_publish a/b q1 \"old\"",
                                "on_publish a/b q1 \"new\"")),
                () -> journal.summary("p1").toString());
    }

    @Test
    void wakeupFollowsOnRegisterOnEveryConnectNewOrResumed() {
        start();
        Mqtt3BlockingClient w1 = v3(broker, "w1").toBlocking();
        assertFalse(w1.connectWith().cleanSession(false).send().isSessionPresent());
        w1.disconnect();
        journal.awaitEvent("on_client_offline", "w1");
        Mqtt3BlockingClient again = v3(broker, "w1").toBlocking();
        assertTrue(again.connectWith().cleanSession(false).send().isSessionPresent());
        journal.awaitEvent(
                e -> e.clientId().equals("w1")
                        && e.hook().equals("on_client_wakeup")
                        && journal.hooks("w1").stream()
                                        .filter("on_client_wakeup"::equals)
                                        .count()
                                == 2,
                "second wakeup");
        again.disconnect();
        List<String> hooks = journal.hooks("w1");
        assertEquals(
                List.of("on_register", "on_client_wakeup", "on_client_offline", "on_register", "on_client_wakeup"),
                hooks.subList(0, 5));
    }

    @Test
    void cleanSessionEndsWithClientGone() {
        start();
        Mqtt3BlockingClient g1 = v3Connected(broker, "g1");
        g1.subscribeWith().topicFilter("g/#").qos(MqttQos.AT_LEAST_ONCE).send();
        journal.awaitEvent("on_subscribe", "g1");
        g1.disconnect();
        journal.awaitEvent("on_client_gone", "g1");
        List<String> hooks = journal.hooks("g1");
        assertEquals(List.of("on_register", "on_client_wakeup", "on_subscribe"), hooks.subList(0, 3));
        assertTrue(hooks.contains("on_client_gone") && !hooks.contains("on_client_offline"), hooks::toString);
        assertTrue(
                journal.summary("g1").contains("on_topic_unsubscribed all"),
                () -> "the ended session's topics are reported: " + journal.summary("g1"));
    }

    @Test
    void mqtt5SessionExpiresAfterItsExpiryInterval() {
        start();
        Mqtt5BlockingClient e1 = v5(broker, "e1").toBlocking();
        e1.connectWith().cleanStart(false).sessionExpiryInterval(1).send();
        journal.awaitEvent("on_register_m5", "e1");
        e1.disconnect();
        journal.awaitEvent("on_client_offline", "e1"); // its expiry timer is set
        time.advance(Duration.ofMillis(999));
        assertNotNull(broker.broker().sessions().get("e1"), "not expired before its interval");
        time.advance(Duration.ofMillis(1));
        journal.awaitEvent("on_session_expired", "e1");
        List<String> hooks = new ArrayList<>(journal.hooks("e1"));
        hooks.remove("on_topic_unsubscribed");
        assertEquals(List.of("on_register_m5", "on_client_wakeup", "on_client_offline", "on_session_expired"), hooks);
    }
}
