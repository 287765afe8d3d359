package io.hookline.broker.hooks;

import static io.hookline.broker.testsupport.Clients.v5;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.datatypes.MqttUtf8String;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5ClientConfig;
import com.hivemq.client.mqtt.mqtt5.auth.Mqtt5EnhancedAuthMechanism;
import com.hivemq.client.mqtt.mqtt5.message.auth.Mqtt5Auth;
import com.hivemq.client.mqtt.mqtt5.message.auth.Mqtt5AuthBuilder;
import com.hivemq.client.mqtt.mqtt5.message.auth.Mqtt5EnhancedAuthBuilder;
import com.hivemq.client.mqtt.mqtt5.message.connect.Mqtt5Connect;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5Disconnect;
import io.hookline.api.hook.Answer;
import io.hookline.api.hook.Hooks;
import io.hookline.api.hook.Modifier;
import io.hookline.api.hook.Modifiers;
import io.hookline.api.hook.input.EnhancedAuthInput;
import io.hookline.api.mqtt.Bytes;
import io.hookline.api.mqtt.Properties;
import io.hookline.api.mqtt.PropertyKey;
import io.hookline.broker.hooks.testplugins.Script;
import io.hookline.broker.testsupport.Acks;
import io.hookline.broker.testsupport.TestBroker;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * MQTT 5 enhanced authentication driven by {@code on_auth_m5}: a challenge/response method
 * {@code TOKEN-TEST} (client "hello" → AUTH 0x18 "challenge" → client "response" → success),
 * unknown methods, and re-authentication. The client side is HiveMQ's
 * {@link Mqtt5EnhancedAuthMechanism}.
 */
class EnhancedAuthEndToEndTest {
    private static final String METHOD = "TOKEN-TEST";

    private final Script script = Script.create();
    private TestBroker broker;

    @BeforeEach
    void start() {
        script.sync(Hooks.ON_AUTH_M5, in -> {
            if (!in.authMethod().equals(METHOD)) {
                return Answer.next();
            }
            return switch (in.authData().asUtf8String()) {
                case "hello" ->
                    Answer.ok(Modifiers.builder()
                            .set(Modifier.REASON_CODE, 0x18)
                            .set(
                                    Modifier.PROPERTIES,
                                    Properties.builder()
                                            .put(PropertyKey.AUTHENTICATION_METHOD, METHOD)
                                            .put(PropertyKey.AUTHENTICATION_DATA, Bytes.utf8("challenge"))
                                            .build())
                            .build());
                case "response" -> Answer.ok();
                default -> Answer.error("wrong_response", 0x87);
            };
        });
        script.sync(Hooks.AUTH_ON_REGISTER_M5, in -> Answer.ok());
        broker = TestBroker.start(script.enable("script_a"));
    }

    @AfterEach
    void stop() {
        broker.close();
        script.close();
    }

    @Test
    void challengeAndResponseLeadToConnackSuccess() {
        Mechanism m = new Mechanism(METHOD, "hello", "response");
        Mqtt5BlockingClient c = v5(broker, "ea1").toBlocking();
        Mqtt5ConnAck ack = Acks.connack(() -> c.connectWith().enhancedAuth(m).send());
        assertEquals(0, ack.getReasonCode().getCode());
        assertEquals(List.of("onAuth", "onContinue challenge", "onAuthSuccess"), m.events);
        List<Script.Call> steps = script.calls(Hooks.ON_AUTH_M5);
        assertEquals(2, steps.size());
        assertEquals(
                "hello", ((EnhancedAuthInput) steps.get(0).input()).authData().asUtf8String());
        assertEquals(
                "response",
                ((EnhancedAuthInput) steps.get(1).input()).authData().asUtf8String());
        assertFalse(((EnhancedAuthInput) steps.get(1).input()).reauthentication());
        assertEquals(1, script.calls(Hooks.AUTH_ON_REGISTER_M5).size(), "registration still asked after the exchange");
        c.disconnect();
    }

    @Test
    void wrongResponseIsRefused() {
        Mechanism m = new Mechanism(METHOD, "hello", "nonsense");
        Mqtt5BlockingClient c = v5(broker, "ea2").toBlocking();
        Mqtt5ConnAck ack = Acks.connack(() -> c.connectWith().enhancedAuth(m).send());
        assertEquals(0x87, ack.getReasonCode().getCode());
        assertTrue(m.events.contains("onAuthRejected"), m.events::toString);
    }

    @Test
    void unknownMethodGetsConnack0x8C() {
        Mechanism m = new Mechanism("NOBODY-KNOWS", "hello", "response");
        Mqtt5BlockingClient c = v5(broker, "ea3").toBlocking();
        Mqtt5ConnAck ack = Acks.connack(() -> c.connectWith().enhancedAuth(m).send());
        assertEquals(0x8C, ack.getReasonCode().getCode());
    }

    @Test
    void singleStepReauthenticationSucceeds() {
        Mechanism m = new Mechanism(METHOD, "response", "response");
        Mqtt5BlockingClient c = v5(broker, "ea5").toBlocking();
        assertEquals(
                0,
                Acks.connack(() -> c.connectWith().enhancedAuth(m).send())
                        .getReasonCode()
                        .getCode());
        c.reauth();
        assertEquals(List.of("onAuth", "onAuthSuccess", "onReAuth", "onReAuthSuccess"), m.events);
        List<Script.Call> steps = script.calls(Hooks.ON_AUTH_M5);
        assertEquals(2, steps.size());
        assertTrue(((EnhancedAuthInput) steps.get(1).input()).reauthentication());
        assertEquals("ea5", steps.get(1).input().client().clientId());
        assertTrue(c.getState().isConnected());
        c.disconnect();
    }

    @Test
    void multiStepReauthenticationRunsTheExchangeAgain() {
        Mechanism m = new Mechanism(METHOD, "hello", "response");
        Mqtt5BlockingClient c = v5(broker, "ea4").toBlocking();
        assertEquals(
                0,
                Acks.connack(() -> c.connectWith().enhancedAuth(m).send())
                        .getReasonCode()
                        .getCode());
        c.reauth();
        assertEquals(
                List.of(
                        "onAuth",
                        "onContinue challenge",
                        "onAuthSuccess",
                        "onReAuth",
                        "onContinue challenge",
                        "onReAuthSuccess"),
                m.events);
        List<Script.Call> steps = script.calls(Hooks.ON_AUTH_M5);
        assertEquals(4, steps.size());
        assertTrue(((EnhancedAuthInput) steps.get(2).input()).reauthentication());
        assertTrue(c.getState().isConnected());
        c.disconnect();
    }

    /** Sends {@code first}, answers the "challenge" with {@code response}; notes each callback. */
    static final class Mechanism implements Mqtt5EnhancedAuthMechanism {
        final List<String> events = new CopyOnWriteArrayList<>();
        private final String method;
        private final String first;
        private final String response;

        Mechanism(String method, String first, String response) {
            this.method = method;
            this.first = first;
            this.response = response;
        }

        @Override
        public MqttUtf8String getMethod() {
            return MqttUtf8String.of(method);
        }

        @Override
        public int getTimeout() {
            return 5;
        }

        @Override
        public CompletableFuture<Void> onAuth(
                Mqtt5ClientConfig config, Mqtt5Connect connect, Mqtt5EnhancedAuthBuilder auth) {
            events.add("onAuth");
            auth.data(first.getBytes(StandardCharsets.UTF_8));
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletableFuture<Void> onReAuth(Mqtt5ClientConfig config, Mqtt5AuthBuilder auth) {
            events.add("onReAuth");
            auth.data(first.getBytes(StandardCharsets.UTF_8));
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletableFuture<Boolean> onContinue(Mqtt5ClientConfig config, Mqtt5Auth auth, Mqtt5AuthBuilder reply) {
            events.add("onContinue "
                    + auth.getData().map(EnhancedAuthEndToEndTest::utf8).orElse("<no data>"));
            reply.data(response.getBytes(StandardCharsets.UTF_8));
            return CompletableFuture.completedFuture(true);
        }

        @Override
        public CompletableFuture<Boolean> onAuthSuccess(Mqtt5ClientConfig config, Mqtt5ConnAck connAck) {
            events.add("onAuthSuccess");
            return CompletableFuture.completedFuture(true);
        }

        @Override
        public CompletableFuture<Boolean> onReAuthSuccess(Mqtt5ClientConfig config, Mqtt5Auth auth) {
            events.add("onReAuthSuccess");
            return CompletableFuture.completedFuture(true);
        }

        @Override
        public void onAuthRejected(Mqtt5ClientConfig config, Mqtt5ConnAck connAck) {
            events.add("onAuthRejected");
        }

        @Override
        public void onReAuthRejected(Mqtt5ClientConfig config, Mqtt5Disconnect disconnect) {
            events.add("onReAuthRejected");
        }

        @Override
        public void onAuthError(Mqtt5ClientConfig config, Throwable cause) {
            events.add("onAuthError " + cause);
        }

        @Override
        public void onReAuthError(Mqtt5ClientConfig config, Throwable cause) {
            events.add("onReAuthError " + cause);
        }
    }

    private static String utf8(ByteBuffer b) {
        byte[] bytes = new byte[b.remaining()];
        b.duplicate().get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
