package io.hookline.broker.protocol;

import static io.hookline.broker.testsupport.Clients.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.lifecycle.MqttDisconnectSource;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5DisconnectException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode;
import io.hookline.api.Plugin;
import io.hookline.api.PluginContext;
import io.hookline.api.hook.Answer;
import io.hookline.api.hook.Hooks;
import io.hookline.api.hook.Modifier;
import io.hookline.api.hook.Modifiers;
import io.hookline.broker.metrics.BrokerMetrics.Counter;
import io.hookline.broker.testsupport.Clients;
import io.hookline.broker.testsupport.TestBroker;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The per-client limits an auth_on_register answer sets, as a real MQTT 5 client sees them. */
class RegisterModifiersTest {

    /**
     * Gives the user "limited" small limits; a user name of {@code name=value} pairs separated by
     * commas (e.g. {@code upgrade_qos=true}, {@code max_message_rate=20}) gets those modifiers;
     * everyone else plain ok.
     */
    public static final class LimitsPlugin implements Plugin {
        @Override
        public String name() {
            return "limits_test";
        }

        @Override
        public void start(PluginContext context) {
            context.register(Hooks.AUTH_ON_REGISTER_M5, in -> answer(in.client().username()));
        }

        private static Answer answer(String user) {
            if ("limited".equals(user)) {
                return Answer.ok(Modifiers.builder()
                        .set(Modifier.RECEIVE_MAX, 7L)
                        .set(Modifier.TOPIC_ALIAS_MAX, 3L)
                        .set(Modifier.MAX_MESSAGE_SIZE, 16L)
                        .set(Modifier.MAX_CONNECTION_LIFETIME, 1L)
                        .build());
            }
            if (user == null || !user.contains("=")) {
                return Answer.ok();
            }
            Modifiers.Builder b = Modifiers.builder();
            for (String pair : user.split(",")) {
                String[] kv = pair.split("=", 2);
                switch (kv[0]) {
                    case "upgrade_qos" -> b.set(Modifier.UPGRADE_QOS, Boolean.parseBoolean(kv[1]));
                    case "max_message_rate" -> b.set(Modifier.MAX_MESSAGE_RATE, Long.parseLong(kv[1]));
                    case "shared_subscription_policy" -> b.set(Modifier.SHARED_SUBSCRIPTION_POLICY, kv[1]);
                    default -> throw new IllegalArgumentException("test plugin: unknown modifier " + kv[0]);
                }
            }
            return Answer.ok(b.build());
        }
    }

    private TestBroker broker;

    @BeforeEach
    void start() {
        broker = TestBroker.start("plugins.limits_test", "on");
    }

    @AfterEach
    void stop() {
        broker.close();
    }

    private static Mqtt5BlockingClient limited(TestBroker broker, CompletableFuture<Throwable> disconnected) {
        return Clients.v5Builder(broker, "lim")
                .simpleAuth()
                .username("limited")
                .applySimpleAuth()
                .addDisconnectedListener(ctx -> {
                    if (ctx.getSource() == MqttDisconnectSource.SERVER) {
                        disconnected.complete(ctx.getCause());
                    }
                })
                .build()
                .toBlocking();
    }

    @Test
    void connackAnnouncesTheReceiveMaximumAndTopicAliasMaximumTheHookChose() {
        Mqtt5BlockingClient client = limited(broker, new CompletableFuture<>());
        Mqtt5ConnAck ack = client.connect();
        assertEquals(7, ack.getRestrictions().getReceiveMaximum());
        assertEquals(3, ack.getRestrictions().getTopicAliasMaximum());
        client.disconnect();
    }

    @Test
    void payloadAboveTheHooksMaxMessageSizeIsDisconnectedWith0x95() throws Exception {
        CompletableFuture<Throwable> cause = new CompletableFuture<>();
        Mqtt5BlockingClient client = limited(broker, cause);
        client.connect();
        client.publishWith()
                .topic("t")
                .qos(MqttQos.AT_MOST_ONCE)
                .payload(bytes("x".repeat(17)))
                .send();
        Mqtt5DisconnectException e = assertInstanceOf(Mqtt5DisconnectException.class, cause.get(5, TimeUnit.SECONDS));
        assertEquals(
                Mqtt5DisconnectReasonCode.PACKET_TOO_LARGE, e.getMqttMessage().getReasonCode());
        assertEquals(1, broker.broker().metrics().get(Counter.LIMIT_MESSAGE_SIZE));
    }

    @Test
    void connectionIsClosedAtTheHooksMaximumConnectTime() throws Exception {
        CompletableFuture<Throwable> cause = new CompletableFuture<>();
        Mqtt5BlockingClient client = limited(broker, cause);
        client.connect();
        Mqtt5DisconnectException e = assertInstanceOf(Mqtt5DisconnectException.class, cause.get(5, TimeUnit.SECONDS));
        assertEquals(
                Mqtt5DisconnectReasonCode.MAXIMUM_CONNECT_TIME,
                e.getMqttMessage().getReasonCode());
    }

    @Test
    void clientsTheHookLeavesAloneGetTheBrokerDefaults() {
        Mqtt5BlockingClient client = Clients.v5(broker, "plain").toBlocking();
        Mqtt5ConnAck ack = client.connect();
        assertEquals(100, ack.getRestrictions().getReceiveMaximum());
        assertEquals(10, ack.getRestrictions().getTopicAliasMaximum());
        client.disconnect();
    }
}
