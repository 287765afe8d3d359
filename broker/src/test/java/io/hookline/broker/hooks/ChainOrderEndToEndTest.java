package io.hookline.broker.hooks;

import static io.hookline.broker.testsupport.Clients.bytes;
import static io.hookline.broker.testsupport.Clients.text;
import static io.hookline.broker.testsupport.Clients.v5;
import static io.hookline.broker.testsupport.Clients.v5Connected;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient.Mqtt5Publishes;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;
import io.hookline.api.hook.Answer;
import io.hookline.api.hook.FailurePolicy;
import io.hookline.api.hook.HandlerOptions;
import io.hookline.api.hook.Hooks;
import io.hookline.api.hook.input.PublishInput;
import io.hookline.api.hook.input.RegisterInput;
import io.hookline.broker.hooks.testplugins.Script;
import io.hookline.broker.testsupport.Acks;
import io.hookline.broker.testsupport.Receive;
import io.hookline.broker.testsupport.TestBroker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Chain order (priority, ties), timeouts, failure policies, throwing handlers and per-client order. */
class ChainOrderEndToEndTest {
    private final Script a = Script.create();
    private final Script b = Script.create();
    private final List<String> order = new CopyOnWriteArrayList<>();
    private TestBroker broker;

    @AfterEach
    void stop() {
        if (broker != null) {
            broker.close();
        }
        a.close();
        b.close();
    }

    /** A handler behaviour that notes {@code tag} in {@link #order} and answers {@code answer}. */
    private io.hookline.api.hook.HookHandler<PublishInput> noting(String tag, Answer answer) {
        return in -> {
            order.add(tag);
            return answer;
        };
    }

    @Test
    void lowerPluginPriorityRunsFirstAndItsNextPassesToTheOther() throws Exception {
        a.sync(Hooks.AUTH_ON_PUBLISH_M5, noting("a", Answer.next()));
        b.sync(Hooks.AUTH_ON_PUBLISH_M5, noting("b", Answer.error("b_says_no")));
        broker = TestBroker.start(Acks.config(a.enable("script_a", 20), b.enable("script_b", 10)));
        Mqtt5BlockingClient c = v5Connected(broker, "c");
        assertEquals(0x87, Acks.puback(c, "t", "x"));
        assertEquals(List.of("b"), order, "b (priority 10) decided before a (20) was asked");
        c.disconnect();
    }

    @Test
    void firstHandlerAnsweringNextLetsTheSecondDecide() throws Exception {
        a.sync(Hooks.AUTH_ON_PUBLISH_M5, noting("a", Answer.next()));
        b.sync(Hooks.AUTH_ON_PUBLISH_M5, noting("b", Answer.ok()));
        broker = TestBroker.start(Acks.config(a.enable("script_a", 1), b.enable("script_b", 2)));
        Mqtt5BlockingClient c = v5Connected(broker, "c");
        Acks.assertAccepted(Acks.puback(c, "t", "x"));
        assertEquals(List.of("a", "b"), order);
        c.disconnect();
    }

    @Test
    void handlerPrioritiesOrderTheChainAndTiesKeepRegistrationOrder() throws Exception {
        a.sync(Hooks.AUTH_ON_PUBLISH_M5, HandlerOptions.DEFAULT.priority(7), noting("first-7", Answer.next()));
        a.sync(Hooks.AUTH_ON_PUBLISH_M5, HandlerOptions.DEFAULT.priority(7), noting("second-7", Answer.next()));
        a.sync(Hooks.AUTH_ON_PUBLISH_M5, HandlerOptions.DEFAULT.priority(3), noting("third-3", Answer.next()));
        a.sync(Hooks.AUTH_ON_PUBLISH_M5, HandlerOptions.DEFAULT.priority(9), noting("fourth-9", Answer.ok()));
        broker = TestBroker.start(a.enable("script_a"));
        Mqtt5BlockingClient c = v5Connected(broker, "c");
        Acks.assertAccepted(Acks.puback(c, "t", "x"));
        assertEquals(List.of("third-3", "first-7", "second-7", "fourth-9"), order);
        c.disconnect();
    }

    @Test
    void equalPluginPrioritiesKeepRegistrationOrder() throws Exception {
        a.sync(Hooks.AUTH_ON_PUBLISH_M5, noting("a", Answer.next()));
        b.sync(Hooks.AUTH_ON_PUBLISH_M5, noting("b", Answer.ok()));
        broker = TestBroker.start(Acks.config(a.enable("script_a", 5), b.enable("script_b", 5)));
        Mqtt5BlockingClient c = v5Connected(broker, "c");
        Acks.assertAccepted(Acks.puback(c, "t", "x"));
        List<String> first = List.copyOf(order);
        assertEquals(2, first.size(), "the first said next, the second decided: " + first);
        Acks.assertAccepted(Acks.puback(c, "t", "y"));
        assertEquals(first, order.subList(2, 4), "the same order every time");
        c.disconnect();
    }

    // ---- timeouts and failure policies -------------------------------------------------------

    @ParameterizedTest
    @EnumSource(FailurePolicy.class)
    void timedOutAsyncHandlerFollowsItsFailurePolicy(FailurePolicy policy) throws Exception {
        a.async(
                Hooks.AUTH_ON_PUBLISH_M5,
                HandlerOptions.DEFAULT.timeout(Duration.ofMillis(100)).onFailure(policy),
                Script.delayed(Duration.ofMillis(1000), Answer.ok())); // answers long after the timeout
        b.sync(Hooks.AUTH_ON_PUBLISH_M5, noting("b", Answer.error("b_denies")));
        broker = TestBroker.start(Acks.config(a.enable("script_a", 1), b.enable("script_b", 2)));
        Mqtt5BlockingClient c = v5Connected(broker, "c");
        int code = Acks.puback(c, "t", "x");
        switch (policy) {
            case DENY -> {
                assertEquals(0x87, code);
                assertEquals(List.of(), order, "denied at the timeout; b not asked");
            }
            case NEXT -> {
                assertEquals(0x87, code, "b was asked and denied");
                assertEquals(List.of("b"), order);
            }
            case ALLOW -> {
                Acks.assertAccepted(code);
                assertEquals(List.of(), order);
            }
        }
        c.disconnect();
    }

    @Test
    void operatorOnErrorKeyOverridesThePluginsPolicy() throws Exception {
        a.async(
                Hooks.AUTH_ON_PUBLISH_M5,
                HandlerOptions.DEFAULT.timeout(Duration.ofMillis(100)).onFailure(FailurePolicy.DENY),
                Script.delayed(Duration.ofMillis(1000), Answer.error("too_late")));
        broker = TestBroker.start(
                Acks.config(a.enable("script_a"), new String[] {"plugins.script_a.on_error", "allow"}));
        Mqtt5BlockingClient c = v5Connected(broker, "c");
        Acks.assertAccepted(Acks.puback(c, "t", "x"));
        c.disconnect();
    }

    @Test
    void callCutOffByItsTimeoutDoesNotHoldUpDisablingThePlugin() throws Exception {
        a.async(
                Hooks.AUTH_ON_PUBLISH_M5,
                HandlerOptions.DEFAULT.timeout(Duration.ofMillis(100)),
                in -> new CompletableFuture<>()); // never answers
        broker = TestBroker.start(a.enable("script_a"));
        Mqtt5BlockingClient c = v5Connected(broker, "c");
        assertEquals(0x87, Acks.puback(c, "t", "x"));
        c.disconnect();
        broker.broker().plugins().disable("script_a").toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    @Test
    void throwingHandlerIsDeniedByDefaultAndOtherClientsCarryOn() throws Exception {
        a.sync(Hooks.AUTH_ON_PUBLISH_M5, in -> {
            if (in.topic().equals("boom")) {
                throw new IllegalStateException("handler bug");
            }
            return in.topic().equals("null") ? null : Answer.ok();
        });
        broker = TestBroker.start(a.enable("script_a"));
        Mqtt5BlockingClient c1 = v5Connected(broker, "c1");
        Mqtt5BlockingClient c2 = v5Connected(broker, "c2");
        assertEquals(0x87, Acks.puback(c1, "boom", "x"));
        assertEquals(0x87, Acks.puback(c1, "null", "x"), "a null answer is a failure too");
        assertTrue(c1.getState().isConnected());
        Acks.assertAccepted(Acks.puback(c2, "fine", "x"));
        Acks.assertAccepted(Acks.puback(c1, "fine", "x"));
        c1.disconnect();
        c2.disconnect();
    }

    @Test
    void throwingHandlerWithNextPolicyPassesToTheNextHandler() throws Exception {
        a.sync(Hooks.AUTH_ON_PUBLISH_M5, HandlerOptions.DEFAULT.onFailure(FailurePolicy.NEXT), in -> {
            throw new IllegalStateException("handler bug");
        });
        b.sync(Hooks.AUTH_ON_PUBLISH_M5, noting("b", Answer.ok()));
        broker = TestBroker.start(Acks.config(a.enable("script_a", 1), b.enable("script_b", 2)));
        Mqtt5BlockingClient c = v5Connected(broker, "c");
        Acks.assertAccepted(Acks.puback(c, "t", "x"));
        assertEquals(List.of("b"), order);
        c.disconnect();
    }

    // ---- per-client order under async handlers -------------------------------------------------

    @Test
    void asyncVerdictsCompletingOutOfOrderStillDeliverInPublishOrder() throws Exception {
        a.async(
                Hooks.AUTH_ON_PUBLISH_M5,
                HandlerOptions.DEFAULT,
                in -> Script.<PublishInput>delayed(
                                Duration.ofMillis(ThreadLocalRandom.current().nextInt(0, 15)), Answer.ok())
                        .handle(in));
        broker = TestBroker.start(a.enable("script_a"));
        Mqtt5BlockingClient sub = v5Connected(broker, "sub");
        Mqtt5Publishes received = sub.publishes(MqttGlobalPublishFilter.ALL);
        sub.subscribeWith().topicFilter("seq").qos(MqttQos.AT_LEAST_ONCE).send();
        Mqtt5AsyncClient pub = v5(broker, "pub").toAsync();
        pub.connect().get(5, TimeUnit.SECONDS);
        int n = 200;
        List<CompletableFuture<Mqtt5PublishResult>> acks = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            acks.add(pub.publishWith()
                    .topic("seq")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload(bytes(Integer.toString(i)))
                    .send());
        }
        CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        List<Integer> got = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            got.add(Integer.parseInt(text(Receive.next(received).getPayloadAsBytes())));
        }
        List<Integer> expected = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            expected.add(i);
        }
        assertEquals(expected, got);
        assertEquals(n, a.calls(Hooks.AUTH_ON_PUBLISH_M5).size());
        received.close();
        sub.disconnect();
        pub.disconnect().get(5, TimeUnit.SECONDS);
    }

    @Test
    void slowAsyncRegisterOfOneClientDoesNotDelayAnother() throws Exception {
        Script.Gate<RegisterInput> gate = new Script.Gate<>();
        a.async(
                Hooks.AUTH_ON_REGISTER_M5,
                HandlerOptions.DEFAULT.timeout(Duration.ofSeconds(30)),
                in -> in.client().clientId().equals("slow")
                        ? gate.handle(in)
                        : CompletableFuture.completedFuture(Answer.ok()));
        broker = TestBroker.start(a.enable("script_a"));
        Mqtt5AsyncClient slow = v5(broker, "slow").toAsync();
        CompletableFuture<Mqtt5ConnAck> slowAck = slow.connect();
        Script.Pending<RegisterInput> parked = gate.take();
        assertEquals("slow", parked.input().client().clientId());

        Mqtt5BlockingClient fast = MqttClient.builder()
                .useMqttVersion5()
                .identifier("fast")
                .serverHost("127.0.0.1")
                .serverPort(broker.port())
                .buildBlocking();
        assertEquals(0, fast.connect().getReasonCode().getCode(), "fast connects while slow is still being decided");
        assertFalse(slowAck.isDone());

        parked.answer().complete(Answer.ok());
        assertEquals(0, slowAck.get(5, TimeUnit.SECONDS).getReasonCode().getCode());
        fast.disconnect();
        slow.disconnect().get(5, TimeUnit.SECONDS);
    }
}
