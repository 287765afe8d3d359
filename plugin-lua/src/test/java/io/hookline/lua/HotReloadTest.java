package io.hookline.lua;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Editing a script under load: new calls go to the new version, none fails or is lost; a broken edit keeps the old one. */
class HotReloadTest {
    static String version(String tag) {
        return """
                num_states = 2
                hooks = {
                  auth_on_register_m5 = function(r) return true end,
                  auth_on_publish_m5 = function(p)
                    local x = 0
                    for i = 1, 2000 do x = x + i end -- some work, so calls overlap the reload
                    return {payload = "%s:" .. p.payload}
                  end,
                }
                """.formatted(tag);
    }

    @Test
    void reloadUnderLoadDropsNothing(@TempDir Path dir) throws Exception {
        try (LuaBroker broker = LuaBroker.start(dir, List.of("lua.call_timeout", "5000"), "live.lua", version("v1"))) {
            Mqtt5BlockingClient sub = LuaClients.v5(broker, "reload-sub", "u", "p");
            var received = sub.publishes(MqttGlobalPublishFilter.ALL);
            // the flow before the SUBSCRIBE: the client registers it on its own loop, and a message that
            // comes first is dropped ("No publish flow registered")
            sub.subscribeWith().topicFilter("load/#").qos(MqttQos.AT_LEAST_ONCE).send();
            Mqtt5BlockingClient pub = LuaClients.v5(broker, "reload-pub", "u", "p");
            int total = 600;
            List<String> failures = new ArrayList<>();
            for (int i = 0; i < total; i++) {
                if (i == 150) {
                    LuaBroker.write(dir.resolve("live.lua"), version("v2"));
                }
                if (i == 300) {
                    await().atMost(Duration.ofSeconds(10))
                            .until(() -> broker.status("live").version() == 2);
                    LuaBroker.write(dir.resolve("live.lua"), "hooks = { auth_on_publish_m5 = function( end }");
                }
                if (i == 450) {
                    await().atMost(Duration.ofSeconds(10))
                            .until(() -> broker.status("live").lastError() != null);
                    LuaBroker.write(dir.resolve("live.lua"), version("v3"));
                }
                if (i == total - 1) {
                    // the reload is picked up in the background: on a loaded machine the last 150
                    // publishes can all go before it, and then no message would show v3
                    await().atMost(Duration.ofSeconds(10))
                            .until(() -> broker.status("live").version() == 3);
                }
                var code = LuaClients.publish(pub, "load/" + i, Integer.toString(i));
                if (code.isError()) {
                    failures.add(i + ":" + code);
                }
            }
            assertEquals(List.of(), failures);
            List<String> payloads = new ArrayList<>();
            for (int i = 0; i < total; i++) {
                var m = received.receive(10, TimeUnit.SECONDS);
                assertTrue(m.isPresent(), "message " + i + " of " + total + " arrived");
                payloads.add(new String(m.get().getPayloadAsBytes(), StandardCharsets.UTF_8));
            }
            for (int i = 0; i < total; i++) {
                assertTrue(payloads.get(i).endsWith(":" + i), "in order: " + payloads.get(i));
            }
            // versions only move forward, and each appeared
            List<String> tags =
                    payloads.stream().map(p -> p.substring(0, 2)).distinct().toList();
            assertEquals(List.of("v1", "v2", "v3"), tags);
            ScriptStatus s = broker.status("live");
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> broker.status("live").version() == 3);
            assertEquals(null, broker.status("live").lastError());
            assertEquals(2, s.states());
            received.close();
            pub.disconnect();
            sub.disconnect();
        }
    }

    @Test
    void aBrokenVersionKeepsTheOldOneAndIsReported(@TempDir Path dir) throws Exception {
        try (LuaBroker broker = LuaBroker.start(dir, List.of(), "keep.lua", version("ok"))) {
            LuaPlugin plugin = broker.plugin();
            Path file = dir.resolve("keep.lua");
            LuaBroker.write(file, "hooks = {auth_on_publish_m5 = 42}");
            var e = org.junit.jupiter.api.Assertions.assertThrows(ScriptException.class, () -> plugin.reload(file));
            assertTrue(e.getMessage().contains("hooks.auth_on_publish_m5 is a number, not a function"), e.getMessage());
            LuaBroker.write(file, "hooks = {no_such_hook = function() end}");
            e = org.junit.jupiter.api.Assertions.assertThrows(ScriptException.class, () -> plugin.reload(file));
            assertTrue(e.getMessage().contains("hooks.no_such_hook is not a hook name"), e.getMessage());
            LuaBroker.write(file, "x = ");
            e = org.junit.jupiter.api.Assertions.assertThrows(ScriptException.class, () -> plugin.reload(file));
            assertTrue(e.getMessage().contains("keep.lua:1: unexpected end of file"), e.getMessage());
            assertNotNull(broker.status("keep").lastError());
            assertEquals(1, broker.status("keep").version());
            Mqtt5BlockingClient c = LuaClients.v5(broker, "keeper", "u", "p");
            assertFalse(LuaClients.publish(c, "t", "x").isError(), "version 1 still serves");
            c.disconnect();
            // unload: the hooks go away, the undecided chain refuses the client (allow_anonymous off)
            plugin.unload(file);
            assertEquals(List.of(), plugin.show());
            // load again at runtime
            LuaBroker.write(file, version("again"));
            ScriptStatus s = plugin.load(file);
            assertEquals(1, s.version());
            assertEquals(2, s.states());
        }
    }
}
