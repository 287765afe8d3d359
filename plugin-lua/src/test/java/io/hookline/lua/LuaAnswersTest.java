package io.hookline.lua;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt3.exceptions.Mqtt3ConnAckException;
import com.hivemq.client.mqtt.mqtt3.exceptions.Mqtt3SubAckException;
import com.hivemq.client.mqtt.mqtt3.message.connect.connack.Mqtt3ConnAckReturnCode;
import com.hivemq.client.mqtt.mqtt3.message.subscribe.suback.Mqtt3SubAck;
import com.hivemq.client.mqtt.mqtt3.message.subscribe.suback.Mqtt3SubAckReturnCode;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each kind of answer a Lua hook function can give, through a real broker and an independent client. */
class LuaAnswersTest {
    static final String SCRIPT = """
            local function register(reg)
              if reg.username == "good" and reg.password == "secret" then return true end
              if reg.username == "bad" then return false end
              return nil -- next: nobody decides, allow_anonymous is off
            end
            local function publish(pub)
              if pub.topic == "deny" then return false end
              if pub.topic == "rewrite/in" then
                return {topic = "rewrite/out", payload = string.upper(pub.payload) .. "|" .. pub.client_id}
              end
              if pub.topic == "bad/modifier" then return {colour = "red"} end
              if pub.topic == "bad/qos" then return {qos = 7} end
              if pub.topic == "bad/type" then return {topic = 42} end
              if pub.topic == "error" then error("boom") end
              if pub.topic == "next" then return "whatever" end
              return true
            end
            local function subscribe(sub)
              local out = {}
              for i, t in ipairs(sub.topics) do
                if t[1] == "secret/#" then out[i] = {t[1], 128}
                elseif t.topic == "down/#" then out[i] = {"down/#", 0}
                else out[i] = t end
              end
              return out
            end
            hooks = {
              auth_on_register = register, auth_on_register_m5 = register,
              auth_on_publish = publish, auth_on_publish_m5 = publish,
              auth_on_subscribe = subscribe, auth_on_subscribe_m5 = subscribe,
            }
            """;

    @TempDir
    static Path dir;

    static LuaBroker broker;

    @BeforeAll
    static void start() {
        broker = LuaBroker.start(dir, List.of("lua.call_timeout", "2000"), "answers.lua", SCRIPT);
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    private static Mqtt3BlockingClient v3(String id, String user, String password) {
        Mqtt3BlockingClient c = MqttClient.builder()
                .useMqttVersion3()
                .identifier(id)
                .serverHost("127.0.0.1")
                .serverPort(broker.port())
                .buildBlocking();
        c.connectWith()
                .simpleAuth()
                .username(user)
                .password(password.getBytes(StandardCharsets.UTF_8))
                .applySimpleAuth()
                .send();
        return c;
    }

    private static Mqtt5BlockingClient v5(String id) {
        Mqtt5BlockingClient c = MqttClient.builder()
                .useMqttVersion5()
                .identifier(id)
                .serverHost("127.0.0.1")
                .serverPort(broker.port())
                .buildBlocking();
        c.connectWith()
                .simpleAuth()
                .username("good")
                .password("secret".getBytes(StandardCharsets.UTF_8))
                .applySimpleAuth()
                .send();
        return c;
    }

    private static Mqtt5PubAckReasonCode publish(Mqtt5BlockingClient c, String topic) {
        try {
            Mqtt5PublishResult r = c.publishWith()
                    .topic(topic)
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload("x".getBytes())
                    .send();
            return ((Mqtt5PublishResult.Mqtt5Qos1Result) r).getPubAck().getReasonCode();
        } catch (com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException e) {
            return e.getMqttMessage().getReasonCode();
        }
    }

    @Test
    void trueAcceptsTheClient() {
        Mqtt3BlockingClient c = v3("ok-client", "good", "secret");
        c.disconnect();
    }

    @Test
    void falseOnRegisterIsBadCredentials() {
        var e = assertThrows(Mqtt3ConnAckException.class, () -> v3("bad-client", "bad", "x"));
        assertEquals(
                Mqtt3ConnAckReturnCode.BAD_USER_NAME_OR_PASSWORD,
                e.getMqttMessage().getReturnCode());
    }

    @Test
    void anythingElseIsNextSoTheUndecidedChainRefusesWithoutAnonymous() {
        var e = assertThrows(Mqtt3ConnAckException.class, () -> v3("other-client", "someone", "x"));
        assertEquals(Mqtt3ConnAckReturnCode.NOT_AUTHORIZED, e.getMqttMessage().getReturnCode());
    }

    @Test
    void aTableRewritesTopicAndPayload() throws Exception {
        Mqtt3BlockingClient sub = v3("rw-sub", "good", "secret");
        try (var publishes = sub.publishes(com.hivemq.client.mqtt.MqttGlobalPublishFilter.ALL)) {
            // the flow before the SUBSCRIBE: the client registers it on its own loop, and a message that
            // comes first is dropped ("No publish flow registered")
            sub.subscribeWith()
                    .topicFilter("rewrite/out")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .send();
            Mqtt3BlockingClient pub = v3("rw-pub", "good", "secret");
            pub.publishWith()
                    .topic("rewrite/in")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload("hello".getBytes())
                    .send();
            var msg = publishes.receive(5, TimeUnit.SECONDS).orElseThrow();
            assertEquals("rewrite/out", msg.getTopic().toString());
            assertEquals("HELLO|rw-pub", new String(msg.getPayloadAsBytes(), StandardCharsets.UTF_8));
            pub.disconnect();
        }
        sub.disconnect();
    }

    @Test
    void falseDeniesAPublishAndTrueAllowsIt() {
        Mqtt5BlockingClient c = v5("deny-pub");
        assertEquals(Mqtt5PubAckReasonCode.NOT_AUTHORIZED, publish(c, "deny"));
        assertTrue(!publish(c, "fine").isError(), "allowed");
        c.disconnect();
    }

    @Test
    void nonBooleanNonTableIsNextAndAnUndecidedPublishIsDenied() {
        Mqtt5BlockingClient c = v5("next-pub");
        assertEquals(Mqtt5PubAckReasonCode.NOT_AUTHORIZED, publish(c, "next"));
        c.disconnect();
    }

    @Test
    void invalidModifiersAndErrorsAreHandlerFailuresDeniedByDefault() {
        Mqtt5BlockingClient c = v5("bad-mods");
        long before = broker.status("answers").errors();
        assertEquals(Mqtt5PubAckReasonCode.NOT_AUTHORIZED, publish(c, "bad/modifier"));
        assertEquals(Mqtt5PubAckReasonCode.NOT_AUTHORIZED, publish(c, "bad/type"));
        assertEquals(Mqtt5PubAckReasonCode.NOT_AUTHORIZED, publish(c, "bad/qos"));
        assertEquals(Mqtt5PubAckReasonCode.NOT_AUTHORIZED, publish(c, "error"));
        assertTrue(!publish(c, "fine").isError(), "allowed");
        // bad/qos is refused by the engine's validation, the others fail in the script or its answer
        assertTrue(broker.status("answers").errors() - before >= 3, "errors counted");
        c.disconnect();
    }

    @Test
    void subscribeAnswersAListOfTopicQosPairs() {
        Mqtt3BlockingClient c = v3("subs", "good", "secret");
        Mqtt3SubAck ack;
        try {
            ack = c.subscribeWith()
                    .addSubscription()
                    .topicFilter("secret/#")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .applySubscription()
                    .addSubscription()
                    .topicFilter("down/#")
                    .qos(MqttQos.EXACTLY_ONCE)
                    .applySubscription()
                    .addSubscription()
                    .topicFilter("open/#")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .applySubscription()
                    .send();
        } catch (Mqtt3SubAckException e) {
            ack = e.getMqttMessage();
        }
        assertEquals(
                List.of(
                        Mqtt3SubAckReturnCode.FAILURE,
                        Mqtt3SubAckReturnCode.SUCCESS_MAXIMUM_QOS_0,
                        Mqtt3SubAckReturnCode.SUCCESS_MAXIMUM_QOS_1),
                ack.getReturnCodes());
        c.disconnect();
    }

    @Test
    void showReportsTheScript() {
        ScriptStatus s = broker.status("answers");
        assertEquals(1, s.version());
        assertEquals(
                Math.max(2, Runtime.getRuntime().availableProcessors()),
                s.states(),
                "by default one state per core, at least two");
        assertTrue(s.hooks().containsAll(List.of("auth_on_register", "auth_on_publish_m5", "auth_on_subscribe")));
        assertEquals(null, s.lastError());
    }
}
