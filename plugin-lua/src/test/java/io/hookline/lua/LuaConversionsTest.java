package io.hookline.lua;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hookline.api.hook.Answer;
import io.hookline.api.hook.Hooks;
import io.hookline.api.hook.Modifier;
import io.hookline.api.hook.input.Client;
import io.hookline.api.hook.input.PublishInput;
import io.hookline.api.hook.input.RegisterInput;
import io.hookline.api.hook.input.SubscribeInput;
import io.hookline.api.hook.input.UnsubscribeInput;
import io.hookline.api.mqtt.Bytes;
import io.hookline.api.mqtt.Properties;
import io.hookline.api.mqtt.PropertyKey;
import io.hookline.api.mqtt.ProtocolVersion;
import io.hookline.api.mqtt.TopicSubscription;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.luaj.vm2.Globals;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.lib.jse.JsePlatform;

/** Hook inputs as Lua tables and Lua return values as answers, without a broker. */
class LuaConversionsTest {
    private static final Client V5 = new Client("", "c1", "alice", ProtocolVersion.MQTT_5);
    private final Globals lua = JsePlatform.standardGlobals();

    private LuaValue eval(String expr, LuaValue arg) {
        return lua.load("local in_ = ... return " + expr).call(arg);
    }

    @Test
    void registerInputHasVerneMqFieldsAndARawPassword() {
        var in = new RegisterInput(
                V5,
                "10.0.0.1",
                5555,
                Bytes.of(new byte[] {0, (byte) 0xff}),
                true,
                Properties.EMPTY,
                "default",
                List.of());
        LuaValue t = LuaInputs.table(in);
        assertEquals("10.0.0.1", eval("in_.addr", t).tojstring());
        assertEquals(5555, eval("in_.peer_port", t).toint());
        assertEquals(2, eval("#in_.password", t).toint());
        assertEquals(255, eval("string.byte(in_.password, 2)", t).toint());
        assertTrue(eval("in_.clean_session", t).toboolean());
    }

    @Test
    void propertiesUsePKeysAndUserPropertiesAList() {
        Properties p = Properties.builder()
                .put(PropertyKey.CONTENT_TYPE, "text/plain")
                .put(PropertyKey.MESSAGE_EXPIRY_INTERVAL, 30L)
                .userProperty("k", "v")
                .build();
        LuaValue t = LuaInputs.table(new PublishInput(V5, "a/b", 1, Bytes.utf8("x"), false, p));
        assertEquals("text/plain", eval("in_.properties.p_content_type", t).tojstring());
        assertEquals(30, eval("in_.properties.p_message_expiry_interval", t).toint());
        assertEquals("v", eval("in_.properties.p_user_property[1].val", t).tojstring());
    }

    @Test
    void publishModifiersAreTyped() {
        var in = new PublishInput(V5, "a/b", 1, Bytes.utf8("x"), false, Properties.EMPTY);
        Answer a = LuaAnswers.answer(
                Hooks.AUTH_ON_PUBLISH_M5,
                in,
                lua.load("return {topic = 'c/d', payload = 'y', qos = 0, retain = true, "
                                + "properties = {p_content_type = 'a/b', p_user_property = {{key = 'u', val = 'w'}}}}")
                        .call());
        var m = assertInstanceOf(Answer.Ok.class, a).modifiers();
        assertEquals("c/d", m.get(Modifier.TOPIC).orElseThrow());
        assertEquals(Bytes.utf8("y"), m.get(Modifier.PAYLOAD).orElseThrow());
        assertEquals(0, m.get(Modifier.QOS).orElseThrow());
        assertEquals(
                "w",
                m.get(Modifier.PROPERTIES).orElseThrow().userProperties().get(0).value());
    }

    @Test
    void wrongTypesAndUnknownModifiersAreInvalid() {
        var in = new PublishInput(V5, "a/b", 1, Bytes.utf8("x"), false, Properties.EMPTY);
        var e = assertThrows(
                LuaAnswers.InvalidAnswer.class,
                () -> LuaAnswers.answer(
                        Hooks.AUTH_ON_PUBLISH,
                        in,
                        lua.load("return {qos = 'high'}").call()));
        assertEquals("auth_on_publish: modifier 'qos' must be an integer, got high", e.getMessage());
        e = assertThrows(
                LuaAnswers.InvalidAnswer.class,
                () -> LuaAnswers.answer(
                        Hooks.AUTH_ON_PUBLISH,
                        in,
                        lua.load("return {properties = {}}").call()));
        assertTrue(e.getMessage().startsWith("auth_on_publish: unknown modifier 'properties'"), e.getMessage());
    }

    @Test
    void subscribeListsKeepTheClientsOptionsAndUnsubscribeListsAreFilters() {
        var sub = new SubscribeInput(V5, List.of(new TopicSubscription("a/#", 2, true, true, 1)), Properties.EMPTY);
        var m = assertInstanceOf(
                        Answer.Ok.class,
                        LuaAnswers.answer(
                                Hooks.AUTH_ON_SUBSCRIBE_M5,
                                sub,
                                lua.load("return {{'b/#', 1}}").call()))
                .modifiers();
        assertEquals(
                List.of(new TopicSubscription("b/#", 1, true, true, 1)),
                m.get(Modifier.TOPICS).orElseThrow());
        var unsub = new UnsubscribeInput(V5, List.of("a/#"), Properties.EMPTY);
        var u = assertInstanceOf(
                        Answer.Ok.class,
                        LuaAnswers.answer(
                                Hooks.ON_UNSUBSCRIBE,
                                unsub,
                                lua.load("return {'x/#', 'y/#'}").call()))
                .modifiers();
        assertEquals(List.of("x/#", "y/#"), u.get(Modifier.UNSUBSCRIBE_TOPICS).orElseThrow());
    }

    @Test
    void booleansAndOtherValuesFollowTheConvention() {
        var reg = new RegisterInput(V5, "::1", 1, null, true, null, null, null);
        assertEquals(Answer.badCredentials(), LuaAnswers.answer(Hooks.AUTH_ON_REGISTER_M5, reg, LuaValue.FALSE));
        assertEquals(Answer.ok(), LuaAnswers.answer(Hooks.AUTH_ON_REGISTER_M5, reg, LuaValue.TRUE));
        assertEquals(Answer.next(), LuaAnswers.answer(Hooks.AUTH_ON_REGISTER_M5, reg, LuaValue.valueOf("ok")));
        assertEquals(Answer.next(), LuaAnswers.answer(Hooks.AUTH_ON_REGISTER_M5, reg, LuaValue.NIL));
        assertEquals(
                Answer.ok(), LuaAnswers.answer(Hooks.ON_REGISTER, reg, LuaValue.FALSE), "notify answers are ignored");
    }
}
