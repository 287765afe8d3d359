package io.hookline.broker.hooks;

import static io.hookline.broker.hooks.HookFixture.V3;
import static io.hookline.broker.hooks.HookFixture.V5;
import static io.hookline.broker.hooks.HookFixture.get;
import static io.hookline.broker.hooks.HookFixture.publish;
import static io.hookline.broker.hooks.HookFixture.qos;
import static io.hookline.broker.hooks.HookFixture.register;
import static io.hookline.broker.hooks.HookFixture.subscribe;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hookline.api.auth.AclEntry;
import io.hookline.api.auth.SessionPermissions;
import io.hookline.api.hook.Answer;
import io.hookline.api.hook.Hooks;
import io.hookline.api.hook.Modifier;
import io.hookline.api.hook.Modifiers;
import io.hookline.api.hook.input.Client;
import io.hookline.api.hook.input.EnhancedAuthInput;
import io.hookline.api.mqtt.Bytes;
import io.hookline.api.mqtt.Properties;
import io.hookline.api.mqtt.PropertyKey;
import io.hookline.api.mqtt.ProtocolVersion;
import io.hookline.api.mqtt.TopicSubscription;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class AuthSemanticsTest {
    private final HookFixture f = new HookFixture();

    @AfterEach
    void close() {
        f.close();
    }

    // ---- registration --------------------------------------------------------------------

    @Test
    void undecidedRegistrationFollowsAllowAnonymous() {
        assertInstanceOf(
                RegisterVerdict.Accepted.class, get(f.gateway.authOnRegister(register(V3, null), true, f.loop)));
        var refused = (RegisterVerdict.Refused) get(f.gateway.authOnRegister(register(V3, null), false, f.loop));
        assertEquals(5, refused.connackCode(ProtocolVersion.MQTT_3_1_1));
        assertEquals(0x87, refused.connackCode(ProtocolVersion.MQTT_5));

        f.sync("p", Hooks.AUTH_ON_REGISTER, 1, in -> Answer.next());
        assertInstanceOf(
                RegisterVerdict.Accepted.class, get(f.gateway.authOnRegister(register(V3, "x"), true, f.loop)));
        assertInstanceOf(
                RegisterVerdict.Refused.class, get(f.gateway.authOnRegister(register(V3, "x"), false, f.loop)));
    }

    @Test
    void registrationChainRunsEvenWithAllowAnonymousAndMayRefuse() {
        AtomicInteger calls = new AtomicInteger();
        f.sync("p", Hooks.AUTH_ON_REGISTER, 1, in -> {
            calls.incrementAndGet();
            return Answer.error("banned");
        });
        var v = get(f.gateway.authOnRegister(register(V3, null), true, f.loop));
        assertEquals(1, calls.get());
        assertEquals(5, ((RegisterVerdict.Refused) v).mqtt3Code());
    }

    @Test
    void badCredentialsMapToConnack4And0x86() {
        f.sync("p", Hooks.AUTH_ON_REGISTER, 1, in -> Answer.badCredentials());
        f.sync("p", Hooks.AUTH_ON_REGISTER_M5, 1, in -> Answer.badCredentials());
        var v3 = (RegisterVerdict.Refused) get(f.gateway.authOnRegister(register(V3, "bad"), true, f.loop));
        var v5 = (RegisterVerdict.Refused) get(f.gateway.authOnRegister(register(V5, "bad"), true, f.loop));
        assertEquals(4, v3.connackCode(ProtocolVersion.MQTT_3_1_1));
        assertEquals(0x86, v5.connackCode(ProtocolVersion.MQTT_5));
    }

    @Test
    void pluginChosenReasonCodeAndServerReferenceReachMqtt5Connack() {
        Properties ref = Properties.builder()
                .put(PropertyKey.SERVER_REFERENCE, "other:1883")
                .build();
        f.sync("p", Hooks.AUTH_ON_REGISTER_M5, 1, in -> new Answer.Error("moved", OptionalInt.of(0x9C), ref));
        var v = (RegisterVerdict.Refused) get(f.gateway.authOnRegister(register(V5, null), true, f.loop));
        assertEquals(0x9C, v.mqtt5Code());
        assertEquals(5, v.mqtt3Code());
        assertEquals(ref, v.properties());
    }

    @Test
    void registerModifiersRewriteIdentityAndAttachPermissions() {
        var perms = new SessionPermissions(List.of(AclEntry.of("own/%c/#")), List.of());
        f.sync(
                "p",
                Hooks.AUTH_ON_REGISTER,
                1,
                in -> Answer.ok(Modifiers.builder()
                        .set(Modifier.CLIENT_ID, "renamed")
                        .set(Modifier.MOUNTPOINT, "tenant1")
                        .set(Modifier.PERMISSIONS, perms)
                        .set(Modifier.MAX_INFLIGHT_MESSAGES, 5L)
                        .build()));
        var v = (RegisterVerdict.Accepted) get(f.gateway.authOnRegister(register(V3, "x"), false, f.loop));
        assertEquals(new Client("tenant1", "renamed", "alice", ProtocolVersion.MQTT_3_1_1), v.client());
        assertSame(perms, v.permissions());
        assertEquals(5L, v.modifiers().get(Modifier.MAX_INFLIGHT_MESSAGES).orElseThrow());
    }

    // ---- publish ------------------------------------------------------------------------

    @Test
    void publishWithNoHandlerAtAllIsAllowed() {
        assertSame(PublishVerdict.ALLOWED, get(f.gateway.authOnPublish(f.session(V3), publish(V3, "a"), f.loop)));
    }

    @Test
    void publishWhereEveryHandlerSaidNextIsDenied() {
        f.sync("a", Hooks.AUTH_ON_PUBLISH_M5, 1, in -> Answer.next());
        f.sync("b", Hooks.AUTH_ON_PUBLISH_M5, 2, in -> Answer.next());
        var v = (PublishVerdict.Denied) get(f.gateway.authOnPublish(f.session(V5), publish(V5, "a"), f.loop));
        assertEquals(0x87, v.reasonCode());
    }

    @Test
    void mqtt5ClientsGetTheM5HookAndMqtt3ClientsThePlainOne() {
        f.sync("a", Hooks.AUTH_ON_PUBLISH_M5, 1, in -> Answer.error("m5 only", 0x97));
        assertSame(PublishVerdict.ALLOWED, get(f.gateway.authOnPublish(f.session(V3), publish(V3, "a"), f.loop)));
        var v = (PublishVerdict.Denied) get(f.gateway.authOnPublish(f.session(V5), publish(V5, "a"), f.loop));
        assertEquals(0x97, v.reasonCode());
    }

    @Test
    void publishRewriteIsAppliedAndThrottleReported() {
        f.sync(
                "a",
                Hooks.AUTH_ON_PUBLISH,
                1,
                in -> Answer.ok(Modifiers.builder()
                        .set(Modifier.TOPIC, "rewritten/" + in.topic())
                        .set(Modifier.QOS, 0)
                        .set(Modifier.THROTTLE, 250L)
                        .build()));
        var in = publish(V3, "a");
        var v = (PublishVerdict.Allowed) get(f.gateway.authOnPublish(f.session(V3), in, f.loop));
        var out = v.apply(in);
        assertEquals("rewritten/a", out.topic());
        assertEquals(0, out.qos());
        assertEquals(250L, v.throttleMillis());
        assertEquals(in.payload(), out.payload());
    }

    // ---- session permissions -------------------------------------------------------------

    @Test
    void sessionPermissionsDecideBeforeTheChainAndCountAsAHandler() {
        AtomicInteger chainCalls = new AtomicInteger();
        f.sync("a", Hooks.AUTH_ON_PUBLISH, 1, in -> {
            chainCalls.incrementAndGet();
            return in.topic().equals("asked/ok") ? Answer.ok() : Answer.next();
        });
        HookSession s = f.gateway.openSession(new RegisterVerdict.Accepted(
                V3, Modifiers.NONE, new SessionPermissions(List.of(new AclEntry("own/%c/#", 1, false)), List.of())));

        assertSame(PublishVerdict.ALLOWED, get(f.gateway.authOnPublish(s, publish(V3, "own/c1/x"), f.loop)));
        assertEquals(0, chainCalls.get());
        // matched but above max qos
        var tooHigh = new io.hookline.api.hook.input.PublishInput(V3, "own/c1/x", 2, Bytes.EMPTY, false, null);
        assertInstanceOf(PublishVerdict.Denied.class, get(f.gateway.authOnPublish(s, tooHigh, f.loop)));
        // matched but retain not allowed
        var retained = new io.hookline.api.hook.input.PublishInput(V3, "own/c1/x", 0, Bytes.EMPTY, true, null);
        assertInstanceOf(PublishVerdict.Denied.class, get(f.gateway.authOnPublish(s, retained, f.loop)));
        // another client's topic: no match, the chain decides
        assertInstanceOf(
                PublishVerdict.Allowed.class, get(f.gateway.authOnPublish(s, publish(V3, "asked/ok"), f.loop)));
        // the chain says next: the permissions count as a handler, so deny
        assertInstanceOf(PublishVerdict.Denied.class, get(f.gateway.authOnPublish(s, publish(V3, "own/c2/x"), f.loop)));
        assertEquals(2, chainCalls.get());
    }

    @Test
    void permissionsCanBeReplacedOrDroppedWithoutReconnect() {
        HookSession s = f.gateway.openSession(
                new RegisterVerdict.Accepted(V3, Modifiers.NONE, new SessionPermissions(List.of(), List.of())));
        assertInstanceOf(PublishVerdict.Denied.class, get(f.gateway.authOnPublish(s, publish(V3, "a"), f.loop)));
        assertTrue(f.gateway.setPermissions("", "c1", new SessionPermissions(List.of(AclEntry.of("#")), List.of())));
        assertSame(PublishVerdict.ALLOWED, get(f.gateway.authOnPublish(s, publish(V3, "a"), f.loop)));
        assertTrue(f.gateway.setPermissions("", "c1", null));
        assertNull(s.permissions());
        assertSame(PublishVerdict.ALLOWED, get(f.gateway.authOnPublish(s, publish(V3, "a"), f.loop)));
        f.gateway.closeSession(s);
        assertEquals(false, f.gateway.setPermissions("", "c1", null));
    }

    // ---- subscribe ----------------------------------------------------------------------

    @Test
    void subscribeRefusesSingleTopicsAndKeepsTheOthers() {
        f.sync(
                "a",
                Hooks.AUTH_ON_SUBSCRIBE,
                1,
                in -> Answer.ok(Modifiers.of(
                        Modifier.TOPICS,
                        in.topics().stream()
                                .map(t -> t.topic().startsWith("admin")
                                        ? TopicSubscription.refused(t.topic(), 0x80)
                                        : t.withQos(0))
                                .toList())));
        var v = get(f.gateway.authOnSubscribe(f.session(V3), subscribe(V3, "a/b", "admin/#"), f.loop));
        assertEquals(List.of(0, 0x80), qos(v));
        assertEquals(
                0x80,
                SubscribeVerdict.subackCode(
                        ((SubscribeVerdict.Decided) v).topics().get(1), ProtocolVersion.MQTT_3_1_1));
    }

    @Test
    void subscribeDeniedAsAWholeUsesTheChosenCodeForMqtt5And0x80ForMqtt3() {
        f.sync("a", Hooks.AUTH_ON_SUBSCRIBE, 1, in -> Answer.error("no", 0x8F));
        f.sync("a", Hooks.AUTH_ON_SUBSCRIBE_M5, 1, in -> Answer.error("no", 0x8F));
        assertEquals(
                List.of(0x80, 0x80),
                qos(get(f.gateway.authOnSubscribe(f.session(V3), subscribe(V3, "a", "b"), f.loop))));
        assertEquals(List.of(0x8F), qos(get(f.gateway.authOnSubscribe(f.session(V5), subscribe(V5, "a"), f.loop))));
    }

    @Test
    void subscribeUndecidedAllowsOnlyWithoutHandlers() {
        assertSame(
                SubscribeVerdict.AS_REQUESTED,
                get(f.gateway.authOnSubscribe(f.session(V3), subscribe(V3, "a"), f.loop)));
        f.sync("a", Hooks.AUTH_ON_SUBSCRIBE, 1, in -> Answer.next());
        assertEquals(List.of(0x80), qos(get(f.gateway.authOnSubscribe(f.session(V3), subscribe(V3, "a"), f.loop))));
    }

    @Test
    void subscribePermissionsGrantCoveredFiltersAndAskTheChainForTheRest() {
        f.sync("a", Hooks.AUTH_ON_SUBSCRIBE_M5, 1, in -> {
            assertEquals(
                    List.of("other/x", "nobody"),
                    in.topics().stream().map(TopicSubscription::topic).toList());
            return Answer.ok(Modifiers.of(
                    Modifier.TOPICS,
                    List.of(new TopicSubscription("other/x", 2), TopicSubscription.refused("nobody", 0x87))));
        });
        HookSession s = f.gateway.openSession(new RegisterVerdict.Accepted(
                V5, Modifiers.NONE, new SessionPermissions(List.of(), List.of(new AclEntry("own/%u/#", 1, true)))));
        var v = get(f.gateway.authOnSubscribe(s, subscribe(V5, "own/bob/+", "other/x", "nobody"), f.loop));
        assertEquals(List.of(1, 2, 0x87), qos(v));
    }

    @Test
    void subscribeRewriteThatChangesTheListLengthIsAHandlerError() {
        f.sync("a", Hooks.AUTH_ON_SUBSCRIBE, 1, in -> Answer.ok(Modifiers.of(Modifier.TOPICS, List.of())));
        assertEquals(List.of(0x80), qos(get(f.gateway.authOnSubscribe(f.session(V3), subscribe(V3, "a"), f.loop))));
        assertEquals(1, f.engine.stats(Hooks.AUTH_ON_SUBSCRIBE).errors());
    }

    // ---- enhanced auth -------------------------------------------------------------------

    @Test
    void enhancedAuthContinuesThenSucceeds() {
        f.sync("scram", Hooks.ON_AUTH_M5, 1, in -> {
            if (!in.authMethod().equals("SCRAM")) {
                return Answer.next();
            }
            if (in.authData().equals(Bytes.utf8("client-first"))) {
                return Answer.ok(Modifiers.builder()
                        .set(Modifier.REASON_CODE, 0x18)
                        .set(
                                Modifier.PROPERTIES,
                                Properties.builder()
                                        .put(PropertyKey.AUTHENTICATION_DATA, Bytes.utf8("server-first"))
                                        .build())
                        .build());
            }
            return in.authData().equals(Bytes.utf8("client-final")) ? Answer.ok() : Answer.error("bad proof", 0x86);
        });
        var cont = get(f.gateway.onAuthM5(
                new EnhancedAuthInput(V5, "SCRAM", Bytes.utf8("client-first"), false, null), f.loop));
        assertEquals(
                Bytes.utf8("server-first"),
                ((EnhancedAuthVerdict.Continue) cont)
                        .properties()
                        .get(PropertyKey.AUTHENTICATION_DATA)
                        .orElseThrow());
        assertInstanceOf(
                EnhancedAuthVerdict.Success.class,
                get(f.gateway.onAuthM5(
                        new EnhancedAuthInput(V5, "SCRAM", Bytes.utf8("client-final"), false, null), f.loop)));
        assertEquals(
                0x86,
                ((EnhancedAuthVerdict.Failed) get(f.gateway.onAuthM5(
                                new EnhancedAuthInput(V5, "SCRAM", Bytes.utf8("forged"), false, null), f.loop)))
                        .reasonCode());
        assertEquals(
                0x8C,
                ((EnhancedAuthVerdict.Failed) get(f.gateway.onAuthM5(
                                new EnhancedAuthInput(V5, "KERBEROS", Bytes.EMPTY, false, null), f.loop)))
                        .reasonCode());
    }
}
