package io.hookline.lua;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.hookline.broker.testsupport.Acks;
import io.hookline.broker.testsupport.Receive;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A script that serves only 3.1.1 functions decides for MQTT 5 clients exactly as for 3.1.1
 * ones (real HiveMQ clients of both versions): the README's own example, and a second script
 * whose {@code _m5} function does not excuse the first one's 3.1.1 function.
 */
class Mqtt3FunctionsForMqtt5Test {

    /** The Lua block of the README's plugin-lua section, as a user would copy it. */
    static String readmeExample() throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"));
        int at = readme.indexOf("Save this as `scripts/demo.lua`");
        int start = readme.indexOf("```lua\n", at) + "```lua\n".length();
        return readme.substring(start, readme.indexOf("```", start));
    }

    @Test
    void theReadmeExampleRefusesMqtt5ClientsAsIt311Ones(@TempDir Path dir) throws Exception {
        String example = readmeExample();
        assertFalse(example.contains("_m5 ="), "the example serves 3.1.1 functions only");
        try (LuaBroker broker = LuaBroker.start(dir, List.of(), "demo.lua", example)) {
            assertEquals(4, Acks.connectV3(broker.broker, "anon3", null, null), "no user name: bad credentials");
            assertEquals(
                    0x86,
                    Acks.connectV5(broker.broker, "anon5", null, null)
                            .getReasonCode()
                            .getCode(),
                    "refused for MQTT 5 exactly as for 3.1.1");

            Mqtt5BlockingClient alice = LuaClients.v5(broker, "alice5", "alice", "x");
            var got = alice.publishes(MqttGlobalPublishFilter.ALL);
            alice.subscribeWith()
                    .topicFilter("alice/#")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .send();
            assertEquals(0x87, Acks.puback(alice, "bob/inbox", "hi"), "not under its own name");
            Acks.assertAccepted(Acks.puback(alice, "alice/notes", "hello"));
            assertEquals(
                    "HELLO",
                    new String(Receive.next(got).getPayloadAsBytes(), StandardCharsets.UTF_8),
                    "the 3.1.1 function's payload modifier applies to MQTT 5 publishes");
            got.close();
            alice.disconnect();

            Mqtt3BlockingClient alice3 = MqttClient.builder()
                    .useMqttVersion3()
                    .identifier("alice3")
                    .serverHost("127.0.0.1")
                    .serverPort(broker.port())
                    .buildBlocking();
            alice3.connectWith()
                    .simpleAuth()
                    .username("alice")
                    .password("x".getBytes(StandardCharsets.UTF_8))
                    .applySimpleAuth()
                    .send();
            // 3.1.1 has no negative PUBACK: a denied QoS 1 publish closes the connection
            try {
                alice3.publishWith()
                        .topic("bob/inbox")
                        .qos(MqttQos.AT_LEAST_ONCE)
                        .payload("hi".getBytes(StandardCharsets.UTF_8))
                        .send();
            } catch (RuntimeException closed) {
                // the client sees the close as a failed publish
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> !alice3.getState().isConnected());
        }
    }

    @Test
    void anotherScriptsM5FunctionDoesNotExcuseThisScripts311One(@TempDir Path dir) throws Exception {
        try (LuaBroker broker = LuaBroker.start(dir, List.of(), "a_open.lua", """
                        hooks = {
                          auth_on_register_m5 = function(r) return true end,
                          auth_on_register = function(r) return true end,
                          auth_on_publish_m5 = function(p) return nil end,
                        }
                        """, "b_strict.lua", """
                        hooks = { auth_on_publish = function(p) return p.topic ~= "secret" end }
                        """)) {
            Mqtt5BlockingClient c = LuaClients.v5(broker, "c5", "u", "p");
            assertEquals(0x87, Acks.puback(c, "secret", "x"));
            Acks.assertAccepted(Acks.puback(c, "open", "x"));
            assertTrue(broker.status("b_strict").calls() >= 2, "b_strict's auth_on_publish was asked for MQTT 5");
            c.disconnect();
        }
    }
}
