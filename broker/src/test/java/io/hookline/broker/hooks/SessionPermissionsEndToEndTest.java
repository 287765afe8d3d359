package io.hookline.broker.hooks;

import static io.hookline.broker.testsupport.Clients.v5;
import static io.hookline.broker.testsupport.Clients.v5Connected;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient.Mqtt5Publishes;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;
import io.hookline.api.auth.AclEntry;
import io.hookline.api.auth.SessionPermissions;
import io.hookline.api.hook.Answer;
import io.hookline.api.hook.Hooks;
import io.hookline.api.hook.Modifier;
import io.hookline.api.hook.Modifiers;
import io.hookline.broker.hooks.testplugins.Script;
import io.hookline.broker.testsupport.Acks;
import io.hookline.broker.testsupport.Receive;
import io.hookline.broker.testsupport.TestBroker;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Permissions attached by {@code auth_on_register}: decided in-process (the chain is not asked),
 * changed or dropped at runtime through {@link HookGateway#setPermissions}.
 */
class SessionPermissionsEndToEndTest {
    private static final SessionPermissions DEVICE = new SessionPermissions(
            List.of(new AclEntry("dev/%c/#", 1, false)), List.of(new AclEntry("cmd/%u/#", 1, true)));

    private final Script script = Script.create();
    private TestBroker broker;
    private Mqtt5BlockingClient client;

    @BeforeEach
    void start() {
        script.sync(Hooks.AUTH_ON_REGISTER_M5, in -> Answer.ok(Modifiers.of(Modifier.PERMISSIONS, DEVICE)));
        // asked only when the permissions do not cover the request; says no to everything
        script.sync(Hooks.AUTH_ON_PUBLISH_M5, in -> Answer.error("chain_says_no"));
        script.sync(
                Hooks.AUTH_ON_SUBSCRIBE_M5,
                in -> in.client().clientId().equals("watcher") ? Answer.ok() : Answer.error("chain_says_no"));
        broker = TestBroker.start(script.enable("script_a"));
        client = v5(broker, "d1").toBlocking();
        client.connectWith()
                .simpleAuth()
                .username("u1")
                .password("x".getBytes(StandardCharsets.UTF_8))
                .applySimpleAuth()
                .send();
    }

    @AfterEach
    void stop() {
        if (client.getState().isConnected()) {
            client.disconnect();
        }
        broker.close();
        script.close();
    }

    @Test
    void publishCoveredByThePermissionsIsAllowedWithoutAskingTheChain() throws Exception {
        Mqtt5BlockingClient sub = v5Connected(broker, "watcher");
        Mqtt5Publishes got = sub.publishes(MqttGlobalPublishFilter.ALL);
        sub.subscribeWith().topicFilter("dev/#").send(); // the chain lets the watcher in
        assertEquals(0, Acks.puback(client, "dev/d1/temp", "21"));
        assertEquals("dev/d1/temp", Receive.next(got).getTopic().toString());
        assertEquals(0, script.calls(Hooks.AUTH_ON_PUBLISH_M5).size(), "decided in-process");
        got.close();
        sub.disconnect();
    }

    @Test
    void permissionsCapQosAndRetainWithoutAskingTheChain() {
        assertEquals(0x87, qos2(client, "dev/d1/temp"), "max qos 1");
        assertEquals(0x87, retained(client, "dev/d1/temp"), "retain not allowed");
        assertEquals(0, script.calls(Hooks.AUTH_ON_PUBLISH_M5).size());
    }

    @Test
    void publishOutsideThePermissionsAsksTheChain() {
        assertEquals(0x87, Acks.puback(client, "dev/other/temp", "21"), "%c is d1, not other");
        assertEquals(1, script.calls(Hooks.AUTH_ON_PUBLISH_M5).size());
    }

    @Test
    void subscribeCoveredByThePermissionsIsGrantedCappedWithoutAskingTheChain() {
        assertEquals(List.of(1, 0x87), Acks.suback(client, 2, "cmd/u1/#", "cmd/u2/#"));
        var asked = script.calls(Hooks.AUTH_ON_SUBSCRIBE_M5);
        assertEquals(1, asked.size(), "only the uncovered filter was asked about");
        assertEquals(
                "cmd/u2/#",
                ((io.hookline.api.hook.input.SubscribeInput) asked.get(0).input())
                        .topics()
                        .get(0)
                        .topic());
    }

    @Test
    void permissionsReplacedAtRuntimeApplyToTheNextPublish() {
        HookGateway gateway = HookAccess.gateway(broker);
        assertEquals(0x87, Acks.puback(client, "other/x", "1"));
        assertTrue(
                gateway.setPermissions("", "d1", new SessionPermissions(List.of(AclEntry.of("other/#")), List.of())));
        Acks.assertAccepted(Acks.puback(client, "other/x", "2"));
        assertEquals(0x87, Acks.puback(client, "dev/d1/x", "3"), "the old entries are gone: the chain says no");
        assertEquals(2, script.calls(Hooks.AUTH_ON_PUBLISH_M5).size());
    }

    @Test
    void droppedPermissionsSendEveryRequestToTheChain() {
        HookGateway gateway = HookAccess.gateway(broker);
        Acks.assertAccepted(Acks.puback(client, "dev/d1/x", "1"));
        assertTrue(gateway.setPermissions("", "d1", null));
        assertEquals(0x87, Acks.puback(client, "dev/d1/x", "2"));
        assertEquals(1, script.calls(Hooks.AUTH_ON_PUBLISH_M5).size());
    }

    private static int qos2(Mqtt5BlockingClient c, String topic) {
        try {
            Mqtt5PublishResult r = c.publishWith()
                    .topic(topic)
                    .qos(MqttQos.EXACTLY_ONCE)
                    .payload(new byte[] {1})
                    .send();
            return ((Mqtt5PublishResult.Mqtt5Qos2Result) r)
                    .getPubRec()
                    .getReasonCode()
                    .getCode();
        } catch (com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubRecException e) {
            return e.getMqttMessage().getReasonCode().getCode();
        }
    }

    private static int retained(Mqtt5BlockingClient c, String topic) {
        try {
            Mqtt5PublishResult r = c.publishWith()
                    .topic(topic)
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .retain(true)
                    .payload(new byte[] {1})
                    .send();
            return ((Mqtt5PublishResult.Mqtt5Qos1Result) r)
                    .getPubAck()
                    .getReasonCode()
                    .getCode();
        } catch (Mqtt5PubAckException e) {
            return e.getMqttMessage().getReasonCode().getCode();
        }
    }
}
