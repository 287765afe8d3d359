package io.hookline.broker.hooks;

import static io.hookline.broker.testsupport.Clients.bytes;
import static io.hookline.broker.testsupport.Clients.text;
import static io.hookline.broker.testsupport.Clients.v3Connected;
import static io.hookline.broker.testsupport.Clients.v5Connected;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient.Mqtt5Publishes;
import io.hookline.api.hook.Answer;
import io.hookline.api.hook.Hooks;
import io.hookline.api.hook.Modifier;
import io.hookline.api.hook.Modifiers;
import io.hookline.api.hook.input.PublishInput;
import io.hookline.api.mqtt.Bytes;
import io.hookline.api.mqtt.TopicSubscription;
import io.hookline.broker.hooks.testplugins.Script;
import io.hookline.broker.testsupport.Acks;
import io.hookline.broker.testsupport.Receive;
import io.hookline.broker.testsupport.TestBroker;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A Java plugin that serves only the 3.1.1 hooks (auth_on_register, auth_on_publish,
 * auth_on_subscribe, on_deliver) decides for MQTT 5 clients exactly as for 3.1.1 clients, seen
 * from real HiveMQ clients of both versions: a 3.1.1-only rule never fails open for MQTT 5.
 */
class Mqtt3HooksForMqtt5EndToEndTest {
    private final Script script = Script.create();
    private final List<Runnable> cleanup = new ArrayList<>();
    private final ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> log =
            new ch.qos.logback.core.read.ListAppender<>();
    private TestBroker broker;

    @BeforeEach
    void start() {
        script.sync(
                Hooks.AUTH_ON_REGISTER,
                in -> "mallory".equals(in.client().username()) ? Answer.error("banned") : Answer.ok());
        script.sync(Hooks.AUTH_ON_PUBLISH, in -> in.topic().startsWith("secret/") ? Answer.error("no") : Answer.ok());
        script.sync(
                Hooks.AUTH_ON_SUBSCRIBE,
                in -> Answer.ok(Modifiers.of(
                        Modifier.TOPICS,
                        in.topics().stream()
                                .map(t -> t.topic().startsWith("secret/") ? t.withQos(TopicSubscription.REFUSED) : t)
                                .toList())));
        script.sync(
                Hooks.ON_DELIVER,
                in -> in.topic().startsWith("pii/")
                        ? Answer.ok(Modifiers.of(Modifier.PAYLOAD, Bytes.utf8("redacted")))
                        : Answer.next());
        var registryLog = (ch.qos.logback.classic.Logger)
                org.slf4j.LoggerFactory.getLogger(io.hookline.broker.hooks.plugins.PluginRegistry.class);
        log.start();
        registryLog.addAppender(log);
        try {
            broker = TestBroker.start(Acks.config(script.enable("script_a"), new String[] {"allow_anonymous", "off"}));
        } finally {
            registryLog.detachAppender(log);
        }
    }

    @Test
    void theEnableLineSaysWhichHooksMqtt5ClientsAreAskedThrough311Handlers() {
        assertTrue(
                log.list.stream()
                        .map(ch.qos.logback.classic.spi.ILoggingEvent::getFormattedMessage)
                        .anyMatch(m -> m.startsWith("plugin script_a enabled; it serves no _m5 twin of "
                                + "[auth_on_register, auth_on_publish, auth_on_subscribe, on_deliver]")),
                log.list.toString());
    }

    @AfterEach
    void stop() {
        cleanup.forEach(Runnable::run);
        broker.close();
        script.close();
    }

    @Test
    void aRegistrationRefusedTo311IsRefusedToMqtt5() {
        assertEquals(5, Acks.connectV3(broker, "m3", "mallory", "x"));
        assertEquals(
                0x87,
                Acks.connectV5(broker, "m5", "mallory", "x").getReasonCode().getCode());
        assertEquals(
                0, Acks.connectV5(broker, "a5", "alice", "x").getReasonCode().getCode());
        assertTrue(script.calls(Hooks.AUTH_ON_REGISTER_M5).isEmpty(), "the plugin serves no _m5 hook");
        assertEquals(3, script.calls(Hooks.AUTH_ON_REGISTER).size(), "its 3.1.1 hook was asked for both versions");
    }

    @Test
    void aPublishAndASubscriptionRefusedTo311AreRefusedToMqtt5() {
        Mqtt5BlockingClient v5 = v5Connected(broker, "p5");
        cleanup.add(v5::disconnect);
        assertEquals(0x87, Acks.puback(v5, "secret/plans", "x"));
        Acks.assertAccepted(Acks.puback(v5, "open/news", "x"));
        assertEquals(List.of(1, 0x87), Acks.suback(v5, 1, "open/#", "secret/#"));
        Mqtt3BlockingClient v3 = v3Connected(broker, "p3");
        cleanup.add(v3::disconnect);
        assertEquals(List.of(1, 0x80), Acks.subackV3(v3, 1, "open/#", "secret/#"));
        PublishInput asked =
                (PublishInput) script.calls(Hooks.AUTH_ON_PUBLISH).get(0).input();
        assertTrue(asked.properties().isEmpty(), "the 3.1.1 hook sees no MQTT 5 properties");
    }

    @Test
    void a311DeliveryRewriteAppliesToMqtt5Receivers() throws Exception {
        Mqtt5BlockingClient rx = v5Connected(broker, "rx");
        cleanup.add(rx::disconnect);
        Mqtt5Publishes got = rx.publishes(MqttGlobalPublishFilter.ALL);
        cleanup.add(got::close);
        rx.subscribeWith().topicFilter("pii/#").qos(MqttQos.AT_LEAST_ONCE).send();
        Mqtt5BlockingClient tx = v5Connected(broker, "tx");
        cleanup.add(tx::disconnect);
        tx.publishWith()
                .topic("pii/alice")
                .qos(MqttQos.AT_LEAST_ONCE)
                .payload(bytes("ssn"))
                .send();
        assertEquals("redacted", text(Receive.next(got).getPayloadAsBytes()));
    }
}
