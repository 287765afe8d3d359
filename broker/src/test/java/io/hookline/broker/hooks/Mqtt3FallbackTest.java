package io.hookline.broker.hooks;

import static io.hookline.broker.hooks.HookFixture.V3;
import static io.hookline.broker.hooks.HookFixture.V5;
import static io.hookline.broker.hooks.HookFixture.get;
import static io.hookline.broker.hooks.HookFixture.publish;
import static io.hookline.broker.hooks.HookFixture.qos;
import static io.hookline.broker.hooks.HookFixture.register;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hookline.api.hook.Answer;
import io.hookline.api.hook.HandlerOptions;
import io.hookline.api.hook.Hooks;
import io.hookline.api.hook.Modifier;
import io.hookline.api.hook.Modifiers;
import io.hookline.api.hook.input.HookInput;
import io.hookline.api.hook.input.PublishInput;
import io.hookline.api.hook.input.RegisterInput;
import io.hookline.api.hook.input.SubscribeInput;
import io.hookline.api.mqtt.Bytes;
import io.hookline.api.mqtt.Properties;
import io.hookline.api.mqtt.TopicSubscription;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A plugin (rule set) that serves a 3.1.1 hook but not its {@code _m5} twin is asked the 3.1.1
 * hook for MQTT 5 clients too: nothing a 3.1.1 client is refused is granted to an MQTT 5 client
 * by omission.
 */
class Mqtt3FallbackTest {
    private final HookFixture f = new HookFixture();
    private final List<HookInput> seen = new CopyOnWriteArrayList<>();

    @AfterEach
    void close() {
        f.close();
    }

    private static PublishInput v5Publish(String topic) {
        return new PublishInput(
                V5,
                topic,
                1,
                Bytes.utf8("x"),
                false,
                Properties.builder().userProperty("k", "v").build());
    }

    @Test
    void aThreePointOneOneOnlyDenyRefusesMqtt5ClientsAlikeWithoutTheirProperties() {
        f.sync("acl", Hooks.AUTH_ON_PUBLISH, 1, in -> {
            seen.add(in);
            return in.topic().startsWith("secret/") ? Answer.error("no") : Answer.ok();
        });
        assertInstanceOf(
                PublishVerdict.Denied.class,
                get(f.gateway.authOnPublish(f.session(V3), publish(V3, "secret/x"), f.loop)));
        assertInstanceOf(
                PublishVerdict.Denied.class,
                get(f.gateway.authOnPublish(f.session(V5), v5Publish("secret/x"), f.loop)));
        assertInstanceOf(
                PublishVerdict.Allowed.class, get(f.gateway.authOnPublish(f.session(V5), v5Publish("open/x"), f.loop)));
        assertEquals(3, seen.size());
        assertEquals(Properties.EMPTY, ((PublishInput) seen.get(1)).properties(), "MQTT 5-only inputs are left out");
        assertEquals(2, f.engine.stats(Hooks.AUTH_ON_PUBLISH_M5).calls(), "counted on the _m5 chain it served");
        assertEquals(List.of("auth_on_publish"), f.engine.lentHooks(new PluginHandle("acl")));
    }

    @Test
    void registrationByA311OnlyPluginDecidesForMqtt5Too() {
        f.sync(
                "pw",
                Hooks.AUTH_ON_REGISTER,
                1,
                in -> in.password() != null && in.password().equals(Bytes.utf8("good"))
                        ? Answer.ok()
                        : Answer.badCredentials());
        var refused = (RegisterVerdict.Refused) get(f.gateway.authOnRegister(register(V5, "bad"), true, f.loop));
        assertEquals(0x86, refused.mqtt5Code());
        assertInstanceOf(
                RegisterVerdict.Accepted.class, get(f.gateway.authOnRegister(register(V5, "good"), false, f.loop)));
    }

    @Test
    void aPluginThatServesTheM5HookItselfIsNotAskedTwice() {
        PluginHandle both = new PluginHandle("both");
        f.engine.register(
                both,
                Hooks.AUTH_ON_PUBLISH,
                1,
                HandlerOptions.DEFAULT,
                in -> {
                    seen.add(in);
                    return Answer.error("v3 rule");
                },
                null);
        f.engine.register(both, Hooks.AUTH_ON_PUBLISH_M5, 1, HandlerOptions.DEFAULT, in -> Answer.ok(), null);
        assertInstanceOf(
                PublishVerdict.Allowed.class, get(f.gateway.authOnPublish(f.session(V5), v5Publish("t"), f.loop)));
        assertEquals(List.of(), seen);
        assertEquals(List.of(), f.engine.lentHooks(both));
    }

    @Test
    void pairingIsPerSourceSoOneScriptsM5HandlerDoesNotExcuseAnother() {
        PluginHandle lua = new PluginHandle("lua");
        f.engine.register(
                lua, Hooks.AUTH_ON_PUBLISH_M5, 1, HandlerOptions.DEFAULT.source("open"), in -> Answer.next(), null);
        f.engine.register(
                lua,
                Hooks.AUTH_ON_PUBLISH,
                2,
                HandlerOptions.DEFAULT.source("strict"),
                in -> Answer.error("strict"),
                null);
        assertInstanceOf(
                PublishVerdict.Denied.class, get(f.gateway.authOnPublish(f.session(V5), v5Publish("t"), f.loop)));
        assertEquals(List.of("auth_on_publish (strict)"), f.engine.lentHooks(lua));
    }

    @Test
    void lendingFollowsRegistrationsBothWays() {
        PluginHandle p = new PluginHandle("p");
        HandlerEntry<PublishInput> v3 =
                f.engine.register(p, Hooks.AUTH_ON_PUBLISH, 1, HandlerOptions.DEFAULT, in -> Answer.error("v3"), null);
        assertEquals(1, f.engine.order(Hooks.AUTH_ON_PUBLISH_M5).size());
        HandlerEntry<PublishInput> v5 =
                f.engine.register(p, Hooks.AUTH_ON_PUBLISH_M5, 1, HandlerOptions.DEFAULT, in -> Answer.ok(), null);
        assertEquals(1, f.engine.order(Hooks.AUTH_ON_PUBLISH_M5).size(), "its own handler replaces the lent one");
        v5.unregister();
        assertEquals(1, f.engine.order(Hooks.AUTH_ON_PUBLISH_M5).size(), "lent again once its own is gone");
        assertInstanceOf(
                PublishVerdict.Denied.class, get(f.gateway.authOnPublish(f.session(V5), v5Publish("t"), f.loop)));
        v3.unregister();
        assertTrue(f.engine.isEmpty(Hooks.AUTH_ON_PUBLISH_M5));
        assertEquals(List.of(), f.engine.lentHooks(p));
    }

    @Test
    void aRefusedSubscriptionBecomesNotAuthorizedAndKeepsTheClientsMqtt5Options() {
        f.sync(
                "acl",
                Hooks.AUTH_ON_SUBSCRIBE,
                1,
                in -> Answer.ok(Modifiers.of(
                        Modifier.TOPICS,
                        List.of(
                                new TopicSubscription("a/#", 1),
                                new TopicSubscription("secret/#", TopicSubscription.REFUSED)))));
        SubscribeInput in = new SubscribeInput(
                V5,
                List.of(new TopicSubscription("a/#", 2, true, true, 2), new TopicSubscription("secret/#", 1)),
                null);
        var v = (SubscribeVerdict.Decided) get(f.gateway.authOnSubscribe(f.session(V5), in, f.loop));
        assertEquals(List.of(1, 0x87), qos(v));
        assertEquals(new TopicSubscription("a/#", 1, true, true, 2), v.topics().get(0), "no-local etc. kept");
    }

    @Test
    void notificationsAndRewritesOfThe311HookReachMqtt5Clients() {
        f.sync("audit", Hooks.ON_PUBLISH, 1, in -> {
            seen.add(in);
            return Answer.ok();
        });
        f.engine.notify(Hooks.ON_PUBLISH_M5, v5Publish("t"));
        assertEquals(1, seen.size());
        f.sync("redact", Hooks.ON_DELIVER, 1, in -> Answer.ok(Modifiers.of(Modifier.PAYLOAD, Bytes.utf8("***"))));
        var rewritten = (DeliverRewrite.Rewritten) get(f.gateway.onDeliver(f.session(V5), v5Publish("t"), f.loop));
        assertEquals(Bytes.utf8("***"), rewritten.apply(v5Publish("t")).payload());
    }

    @Test
    void cancellingTheMqtt5RunCancelsThe311HandlersOwnFuture() {
        CompletableFuture<io.hookline.api.hook.Answer> handed = new CompletableFuture<>();
        f.async("slow", Hooks.AUTH_ON_REGISTER, HandlerOptions.DEFAULT.timeout(Duration.ofSeconds(30)), in -> handed);
        CompletableFuture<RegisterVerdict> verdict =
                f.gateway.authOnRegister(register(V5, "pw"), false, f.loop).toCompletableFuture();
        verdict.cancel(false);
        await().atMost(Duration.ofSeconds(5)).until(handed::isCancelled);
    }

    @Test
    void inputsWithoutAnMqtt5PartStayAsTheyAre() {
        RegisterInput r = new RegisterInput(
                V5,
                "127.0.0.1",
                1,
                null,
                true,
                Properties.builder().userProperty("a", "b").build(),
                "default",
                null);
        assertEquals(Properties.EMPTY, Mqtt3Fallback.asMqtt3(r).properties());
        assertEquals(r.client(), Mqtt3Fallback.asMqtt3(r).client());
    }

    @Test
    void anMqtt5OnlyHandlerIsNamedSoTheOperatorSeesWhat311ClientsAreNotAsked() {
        PluginHandle p = new PluginHandle("v5only");
        f.engine.register(p, Hooks.AUTH_ON_REGISTER_M5, 1, HandlerOptions.DEFAULT, in -> Answer.ok(), null);
        f.engine.register(p, Hooks.AUTH_ON_PUBLISH_M5, 1, HandlerOptions.DEFAULT, in -> Answer.ok(), null);
        f.engine.register(p, Hooks.AUTH_ON_PUBLISH, 1, HandlerOptions.DEFAULT, in -> Answer.ok(), null);
        f.engine.register(p, Hooks.ON_AUTH_M5, 1, HandlerOptions.DEFAULT, in -> Answer.ok(), null);
        assertEquals(List.of("auth_on_register_m5"), f.engine.mqtt5OnlyHooks(p), "on_auth_m5 has no 3.1.1 twin");
        assertEquals(List.of(), f.engine.lentHooks(p));
    }
}
