package io.hookline.broker.hooks;

import static io.hookline.broker.testsupport.Clients.bytes;
import static io.hookline.broker.testsupport.Clients.text;
import static io.hookline.broker.testsupport.Clients.v3;
import static io.hookline.broker.testsupport.Clients.v3Connected;
import static io.hookline.broker.testsupport.Clients.v5;
import static io.hookline.broker.testsupport.Clients.v5Connected;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient.Mqtt5Publishes;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.hookline.api.hook.Answer;
import io.hookline.api.hook.FailurePolicy;
import io.hookline.api.hook.HandlerOptions;
import io.hookline.api.hook.Hooks;
import io.hookline.api.hook.Modifier;
import io.hookline.api.hook.Modifiers;
import io.hookline.api.hook.input.PublishInput;
import io.hookline.api.hook.input.RegisterInput;
import io.hookline.api.mqtt.Bytes;
import io.hookline.api.mqtt.Properties;
import io.hookline.api.mqtt.PropertyKey;
import io.hookline.api.mqtt.TopicSubscription;
import io.hookline.broker.hooks.testplugins.Script;
import io.hookline.broker.testsupport.Acks;
import io.hookline.broker.testsupport.Receive;
import io.hookline.broker.testsupport.TestBroker;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * allow / deny / next / rewrite of every AUTH and REWRITE hook, seen from independent MQTT
 * clients against a real broker whose chains hold a {@link Script}ed test plugin.
 */
class AuthHooksEndToEndTest {
    private final Script script = Script.create();
    private TestBroker broker;

    @AfterEach
    void stop() {
        if (broker != null) {
            broker.close();
        }
        script.close();
    }

    private TestBroker start(String... more) {
        broker = TestBroker.start(Acks.config(script.enable("script_a"), more));
        return broker;
    }

    private void onRegister(io.hookline.api.hook.HookHandler<RegisterInput> behaviour) {
        for (var hook : Hooks.bothVersions(Hooks.AUTH_ON_REGISTER)) {
            script.sync(hook, behaviour);
        }
    }

    // ---- auth_on_register ------------------------------------------------------------------

    @Test
    void registerAllowedByThePluginEvenWithAnonymousOff() {
        onRegister(in -> Answer.ok());
        start("allow_anonymous", "off");
        assertEquals(0, Acks.connectV3(broker, "v3ok", null, null));
        assertEquals(
                0, Acks.connectV5(broker, "v5ok", null, null).getReasonCode().getCode());
        assertEquals(1, script.calls(Hooks.AUTH_ON_REGISTER).size());
        assertEquals(1, script.calls(Hooks.AUTH_ON_REGISTER_M5).size());
    }

    @Test
    void deniedRegisterGivesConnack5ForMqtt311And0x87ForMqtt5() {
        onRegister(in -> Answer.error("go_away"));
        start();
        assertEquals(5, Acks.connectV3(broker, "v3no", "u", "p"));
        assertEquals(
                0x87, Acks.connectV5(broker, "v5no", "u", "p").getReasonCode().getCode());
    }

    @Test
    void badCredentialsGiveConnack4ForMqtt311And0x86ForMqtt5() {
        onRegister(in ->
                "secret".equals(in.password() == null ? null : in.password().asUtf8String())
                        ? Answer.ok()
                        : Answer.badCredentials());
        start("allow_anonymous", "off");
        assertEquals(4, Acks.connectV3(broker, "v3bad", "alice", "wrong"));
        assertEquals(
                0x86,
                Acks.connectV5(broker, "v5bad", "alice", "wrong")
                        .getReasonCode()
                        .getCode());
        assertEquals(0, Acks.connectV3(broker, "v3good", "alice", "secret"));
        assertEquals(
                0,
                Acks.connectV5(broker, "v5good", "alice", "secret")
                        .getReasonCode()
                        .getCode());
        RegisterInput seen =
                (RegisterInput) script.calls(Hooks.AUTH_ON_REGISTER_M5).get(0).input();
        assertEquals("alice", seen.client().username());
        assertEquals("v5bad", seen.client().clientId());
        assertEquals("127.0.0.1", seen.peerAddr());
    }

    @Test
    void pluginChosenReasonCodeAndServerReferenceReachTheMqtt5Client() {
        onRegister(in -> new Answer.Error(
                "use_another_server",
                OptionalInt.of(0x9C),
                Properties.builder()
                        .put(PropertyKey.SERVER_REFERENCE, "mqtt2.example.com:1883")
                        .build()));
        start();
        Mqtt5ConnAck ack = Acks.connectV5(broker, "moved", null, null);
        assertEquals(0x9C, ack.getReasonCode().getCode());
        assertEquals(
                "mqtt2.example.com:1883", ack.getServerReference().orElseThrow().toString());
        assertEquals(5, Acks.connectV3(broker, "moved3", null, null), "MQTT 3 has no such code: not authorized");
    }

    @Test
    void undecidedRegisterFallsToAllowAnonymousOn() {
        onRegister(in -> Answer.next());
        start("allow_anonymous", "on");
        assertEquals(0, Acks.connectV3(broker, "anon3", null, null));
        assertEquals(
                0, Acks.connectV5(broker, "anon5", null, null).getReasonCode().getCode());
        assertEquals(2, script.calls().size(), "the chain runs also with anonymous allowed");
    }

    @Test
    void undecidedRegisterFallsToAllowAnonymousOff() {
        onRegister(in -> Answer.next());
        start("allow_anonymous", "off");
        assertEquals(5, Acks.connectV3(broker, "anon3", null, null));
        assertEquals(
                0x87,
                Acks.connectV5(broker, "anon5", null, null).getReasonCode().getCode());
    }

    @Test
    void registerRewritesClientIdUsernameAndMountpoint() throws Exception {
        onRegister(in -> in.client().clientId().equals("tenant-dev")
                ? Answer.ok(Modifiers.builder()
                        .set(Modifier.CLIENT_ID, "dev-42")
                        .set(Modifier.USERNAME, "bob")
                        .set(Modifier.MOUNTPOINT, "acme")
                        .build())
                : Answer.ok());
        for (var hook : Hooks.bothVersions(Hooks.AUTH_ON_PUBLISH)) {
            script.sync(hook, in -> Answer.ok());
        }
        start();
        Mqtt5BlockingClient outside = v5Connected(broker, "outside");
        Mqtt5Publishes seenOutside = outside.publishes(MqttGlobalPublishFilter.ALL);
        outside.subscribeWith().topicFilter("t/#").send();

        Mqtt5BlockingClient dev = v5Connected(broker, "tenant-dev");
        Mqtt5Publishes seenInside = dev.publishes(MqttGlobalPublishFilter.ALL);
        dev.subscribeWith().topicFilter("t/#").send();
        assertEquals(0, Acks.puback(dev, "t/1", "hi"));

        PublishInput in =
                (PublishInput) script.calls(Hooks.AUTH_ON_PUBLISH_M5).get(0).input();
        assertEquals("dev-42", in.client().clientId());
        assertEquals("bob", in.client().username());
        assertEquals("acme", in.client().mountpoint());
        assertEquals("hi", text(Receive.next(seenInside).getPayloadAsBytes()), "same mountpoint: delivered");
        Receive.nothing(seenOutside);
        dev.disconnect();
        outside.disconnect();
        seenInside.close();
        seenOutside.close();
    }

    // ---- the will at CONNECT ---------------------------------------------------------------

    @Test
    void deniedWillRefusesTheConnect() {
        for (var hook : Hooks.bothVersions(Hooks.AUTH_ON_PUBLISH)) {
            script.sync(hook, in -> in.topic().startsWith("forbidden/") ? Answer.error("no_will_here") : Answer.ok());
        }
        start();
        Mqtt5BlockingClient bad5 = v5(broker, "will5").toBlocking();
        Mqtt5ConnAck ack = Acks.connack(() -> bad5.connectWith()
                .willPublish()
                .topic("forbidden/will")
                .payload(bytes("bye"))
                .applyWillPublish()
                .send());
        assertEquals(0x87, ack.getReasonCode().getCode());

        Mqtt3BlockingClient bad3 = v3(broker, "will3").toBlocking();
        assertEquals(
                5,
                Acks.connackV3(() -> bad3.connectWith()
                        .willPublish()
                        .topic("forbidden/will")
                        .payload(bytes("bye"))
                        .applyWillPublish()
                        .send()));

        Mqtt5BlockingClient good = v5(broker, "will-ok").toBlocking();
        assertEquals(
                0,
                Acks.connack(() -> good.connectWith()
                                .willPublish()
                                .topic("allowed/will")
                                .payload(bytes("bye"))
                                .applyWillPublish()
                                .send())
                        .getReasonCode()
                        .getCode());
        good.disconnect();
        PublishInput will =
                (PublishInput) script.calls(Hooks.AUTH_ON_PUBLISH_M5).get(0).input();
        assertEquals("forbidden/will", will.topic());
        assertEquals("bye", will.payload().asUtf8String());
    }

    // ---- auth_on_publish -------------------------------------------------------------------

    @Test
    void allowedPublishIsDelivered() throws Exception {
        script.sync(Hooks.AUTH_ON_PUBLISH_M5, in -> Answer.ok());
        start();
        try (Pair p = new Pair(broker, "a/#")) {
            assertEquals(0, Acks.puback(p.pub, "a/b", "x"));
            assertEquals("x", text(Receive.next(p.received).getPayloadAsBytes()));
        }
    }

    @Test
    void deniedPublishGetsPuback0x87ForMqtt5AndIsNotDelivered() throws Exception {
        script.sync(Hooks.AUTH_ON_PUBLISH_M5, in -> in.topic().equals("a/secret") ? Answer.error("no") : Answer.ok());
        start();
        try (Pair p = new Pair(broker, "a/#")) {
            assertEquals(0x87, Acks.puback(p.pub, "a/secret", "x"));
            assertEquals(0, Acks.puback(p.pub, "a/public", "y"));
            assertEquals("a/public", Receive.next(p.received).getTopic().toString(), "the denied one never arrives");
        }
    }

    @Test
    void deniedPublishWithPluginReasonCodeGetsThatCode() throws Exception {
        script.sync(Hooks.AUTH_ON_PUBLISH_M5, in -> Answer.error("quota", 0x97));
        start();
        try (Pair p = new Pair(broker, "a/#")) {
            assertEquals(0x97, Acks.puback(p.pub, "a/b", "x"));
            Receive.nothing(p.received);
        }
    }

    @Test
    void deniedPublishClosesAnMqtt311Connection() throws Exception {
        script.sync(Hooks.AUTH_ON_PUBLISH, in -> Answer.error("no"));
        start();
        CountDownLatch closed = new CountDownLatch(1);
        Mqtt3AsyncClient c = MqttClient.builder()
                .useMqttVersion3()
                .identifier("v3pub")
                .serverHost("127.0.0.1")
                .serverPort(broker.port())
                .addDisconnectedListener(ctx -> closed.countDown())
                .buildAsync();
        c.connect().get(5, TimeUnit.SECONDS);
        c.publishWith()
                .topic("a/b")
                .qos(MqttQos.AT_LEAST_ONCE)
                .payload(bytes("x"))
                .send();
        assertTrue(
                closed.await(5, TimeUnit.SECONDS),
                "the broker closes the connection (MQTT 3.1.1 has no negative PUBACK)");
    }

    @Test
    void chainOfOnlyNextDeniesPublish() throws Exception {
        script.sync(Hooks.AUTH_ON_PUBLISH_M5, in -> Answer.next());
        start();
        try (Pair p = new Pair(broker, "a/#")) {
            assertEquals(0x87, Acks.puback(p.pub, "a/b", "x"));
            Receive.nothing(p.received);
        }
    }

    @Test
    void noPublishHandlerAtAllAllows() throws Exception {
        script.sync(Hooks.AUTH_ON_REGISTER_M5, in -> Answer.ok());
        start();
        try (Pair p = new Pair(broker, "a/#")) {
            assertEquals(0, Acks.puback(p.pub, "a/b", "x"));
            assertEquals("x", text(Receive.next(p.received).getPayloadAsBytes()));
        }
    }

    @Test
    void publishRewriteChangesTopicPayloadQosAndRetain() throws Exception {
        script.sync(
                Hooks.AUTH_ON_PUBLISH_M5,
                in -> Answer.ok(Modifiers.builder()
                        .set(Modifier.TOPIC, "rewritten/" + in.topic())
                        .set(
                                Modifier.PAYLOAD,
                                Bytes.utf8(in.payload().asUtf8String().toUpperCase()))
                        .set(Modifier.QOS, 0)
                        .set(Modifier.RETAIN, true)
                        .build()));
        start();
        try (Pair p = new Pair(broker, "#")) {
            assertEquals(0, Acks.puback(p.pub, "in/t", "hello"));
            Mqtt5Publish got = Receive.next(p.received);
            assertEquals("rewritten/in/t", got.getTopic().toString());
            assertEquals("HELLO", text(got.getPayloadAsBytes()));
            assertEquals(MqttQos.AT_MOST_ONCE, got.getQos());
            Receive.nothing(p.received);
        }
        Mqtt5BlockingClient late = v5Connected(broker, "late");
        Mqtt5Publishes retained = late.publishes(MqttGlobalPublishFilter.ALL);
        late.subscribeWith().topicFilter("rewritten/#").send();
        Mqtt5Publish r = Receive.next(retained);
        assertTrue(r.isRetain(), "retain was set by the rewrite");
        assertEquals("HELLO", text(r.getPayloadAsBytes()));
        retained.close();
        late.disconnect();
    }

    @Test
    void invalidRewrittenTopicIsTheHandlersErrorDeniedByDefault() throws Exception {
        script.sync(Hooks.AUTH_ON_PUBLISH_M5, in -> Answer.ok(Modifiers.of(Modifier.TOPIC, "bad/+/topic")));
        start();
        try (Pair p = new Pair(broker, "#")) {
            assertEquals(0x87, Acks.puback(p.pub, "a/b", "x"));
            Receive.nothing(p.received);
        }
    }

    @Test
    void invalidRewrittenQosWithAllowPolicyGoesOnUnchanged() throws Exception {
        script.sync(
                Hooks.AUTH_ON_PUBLISH_M5,
                HandlerOptions.DEFAULT.onFailure(FailurePolicy.ALLOW),
                in -> Answer.ok(Modifiers.of(Modifier.QOS, 3)));
        start();
        try (Pair p = new Pair(broker, "#")) {
            assertEquals(0, Acks.puback(p.pub, "a/b", "x"));
            Mqtt5Publish got = Receive.next(p.received);
            assertEquals("a/b", got.getTopic().toString(), "allowed without modifiers");
            assertEquals(MqttQos.AT_LEAST_ONCE, got.getQos());
        }
    }

    // ---- auth_on_subscribe -----------------------------------------------------------------

    @Test
    void subscribeVerdictsArePerTopicForMqtt5() throws Exception {
        script.sync(
                Hooks.AUTH_ON_SUBSCRIBE_M5,
                in -> Answer.ok(Modifiers.of(
                        Modifier.TOPICS,
                        in.topics().stream()
                                .map(t -> t.topic().startsWith("private/")
                                        ? TopicSubscription.refused(t.topic(), 0x87)
                                        : t.topic().equals("old/#")
                                                ? new TopicSubscription("new/#", 1)
                                                : t.withQos(Math.min(t.qos(), 1)))
                                .toList())));
        start();
        Mqtt5BlockingClient sub = v5Connected(broker, "sub");
        Mqtt5Publishes received = sub.publishes(MqttGlobalPublishFilter.ALL);
        assertEquals(List.of(1, 0x87, 1), Acks.suback(sub, 2, "public/#", "private/#", "old/#"));
        Mqtt5BlockingClient pub = v5Connected(broker, "pub");
        pub.publishWith()
                .topic("private/x")
                .qos(MqttQos.AT_LEAST_ONCE)
                .payload(bytes("p"))
                .send();
        pub.publishWith()
                .topic("old/x")
                .qos(MqttQos.AT_LEAST_ONCE)
                .payload(bytes("o"))
                .send();
        pub.publishWith()
                .topic("new/x")
                .qos(MqttQos.AT_LEAST_ONCE)
                .payload(bytes("n"))
                .send();
        pub.publishWith()
                .topic("public/x")
                .qos(MqttQos.EXACTLY_ONCE)
                .payload(bytes("u"))
                .send();
        Mqtt5Publish first = Receive.next(received);
        assertEquals("new/x", first.getTopic().toString(), "old/# was rewritten to new/#; private/# refused");
        Mqtt5Publish second = Receive.next(received);
        assertEquals("public/x", second.getTopic().toString());
        assertEquals(MqttQos.AT_LEAST_ONCE, second.getQos(), "granted qos 1");
        Receive.nothing(received);
        received.close();
        sub.disconnect();
        pub.disconnect();
    }

    @Test
    void refusedTopicGets0x80ForMqtt311AndTheOthersAreGranted() {
        script.sync(
                Hooks.AUTH_ON_SUBSCRIBE,
                in -> Answer.ok(Modifiers.of(
                        Modifier.TOPICS,
                        in.topics().stream()
                                .map(t -> t.topic().startsWith("private/") ? t.withQos(TopicSubscription.REFUSED) : t)
                                .toList())));
        start();
        Mqtt3BlockingClient sub = v3Connected(broker, "sub3");
        assertEquals(List.of(1, 0x80), Acks.subackV3(sub, 1, "public/#", "private/#"));
        sub.disconnect();
    }

    @Test
    void subscribeErrorRefusesEveryTopicWithThePluginsCode() {
        script.sync(Hooks.AUTH_ON_SUBSCRIBE_M5, in -> Answer.error("quota", 0x97));
        start();
        Mqtt5BlockingClient sub = v5Connected(broker, "sub");
        assertEquals(List.of(0x97, 0x97), Acks.suback(sub, 1, "a", "b"));
        sub.disconnect();
    }

    @Test
    void subscribeErrorWithACodeSubackCannotCarryFallsBackToNotAuthorized() {
        script.sync(Hooks.AUTH_ON_SUBSCRIBE_M5, in -> Answer.error("banned", 0x8A));
        start();
        Mqtt5BlockingClient sub = v5Connected(broker, "sub");
        assertEquals(List.of(0x87, 0x87), Acks.suback(sub, 1, "a", "b"));
        sub.disconnect();
    }

    // ---- on_unsubscribe / on_deliver -------------------------------------------------------

    @Test
    void unsubscribeRewriteRemovesTheRewrittenFilters() throws Exception {
        script.sync(
                Hooks.ON_UNSUBSCRIBE_M5,
                in -> Answer.ok(Modifiers.of(
                        Modifier.UNSUBSCRIBE_TOPICS,
                        in.topics().stream()
                                .map(t -> t.equals("a/#") ? "b/#" : t)
                                .toList())));
        start();
        Mqtt5BlockingClient sub = v5Connected(broker, "sub");
        Mqtt5Publishes received = sub.publishes(MqttGlobalPublishFilter.ALL);
        Acks.suback(sub, 1, "a/#", "b/#");
        sub.unsubscribeWith().topicFilter("a/#").send();
        Mqtt5BlockingClient pub = v5Connected(broker, "pub");
        pub.publishWith()
                .topic("b/1")
                .qos(MqttQos.AT_LEAST_ONCE)
                .payload(bytes("b"))
                .send();
        pub.publishWith()
                .topic("a/1")
                .qos(MqttQos.AT_LEAST_ONCE)
                .payload(bytes("a"))
                .send();
        assertEquals("a/1", Receive.next(received).getTopic().toString(), "b/# was removed instead of a/#");
        Receive.nothing(received);
        received.close();
        sub.disconnect();
        pub.disconnect();
        assertEquals(
                List.of("a/#"),
                ((io.hookline.api.hook.input.UnsubscribeInput)
                                script.calls(Hooks.ON_UNSUBSCRIBE_M5).get(0).input())
                        .topics());
    }

    @Test
    void deliverRewriteChangesTopicAndPayloadForTheReceivingClientOnly() throws Exception {
        for (var hook : Hooks.bothVersions(Hooks.ON_DELIVER)) {
            script.sync(
                    hook,
                    in -> in.client().clientId().equals("rx")
                            ? Answer.ok(Modifiers.builder()
                                    .set(Modifier.TOPIC, "for-rx/" + in.topic())
                                    .set(Modifier.PAYLOAD, Bytes.utf8("redacted"))
                                    .build())
                            : Answer.next());
        }
        start();
        Mqtt5BlockingClient rx = v5Connected(broker, "rx");
        Mqtt5Publishes rxGot = rx.publishes(MqttGlobalPublishFilter.ALL);
        rx.subscribeWith().topicFilter("news/#").send();
        Mqtt3BlockingClient other = v3Connected(broker, "other");
        var otherGot = other.publishes(MqttGlobalPublishFilter.ALL);
        other.subscribeWith().topicFilter("news/#").send();
        Mqtt5BlockingClient pub = v5Connected(broker, "pub");
        pub.publishWith()
                .topic("news/1")
                .qos(MqttQos.AT_LEAST_ONCE)
                .payload(bytes("original"))
                .send();

        Mqtt5Publish mine = Receive.next(rxGot);
        assertEquals("for-rx/news/1", mine.getTopic().toString());
        assertEquals("redacted", text(mine.getPayloadAsBytes()));
        var theirs = Receive.next(otherGot);
        assertEquals("news/1", theirs.getTopic().toString());
        assertEquals("original", text(theirs.getPayloadAsBytes()));
        assertFalse(script.calls(Hooks.ON_DELIVER).isEmpty(), "on_deliver asked for the MQTT 3 receiver too");
        rxGot.close();
        otherGot.close();
        rx.disconnect();
        other.disconnect();
        pub.disconnect();
    }

    /** A connected publisher and a subscriber (MQTT 5) with a publish stream on {@code filter}. */
    static final class Pair implements AutoCloseable {
        final Mqtt5BlockingClient pub;
        final Mqtt5BlockingClient sub;
        final Mqtt5Publishes received;

        Pair(TestBroker broker, String filter) {
            sub = v5Connected(broker, "pair-sub");
            received = sub.publishes(MqttGlobalPublishFilter.ALL);
            sub.subscribeWith().topicFilter(filter).qos(MqttQos.AT_LEAST_ONCE).send();
            pub = v5Connected(broker, "pair-pub");
        }

        @Override
        public void close() {
            received.close();
            if (pub.getState().isConnected()) {
                pub.disconnect();
            }
            if (sub.getState().isConnected()) {
                sub.disconnect();
            }
        }
    }
}
