package io.hookline.lua;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import io.hookline.broker.hooks.plugins.PluginRegistry;
import io.hookline.broker.testsupport.Acks;
import io.hookline.broker.testsupport.TestBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * lua.max_memory: a call that allocates more than its budget fails under the script's failure
 * policy (pcall cannot catch it), its state is replaced, and the next call is served. The
 * process-level proof with a small heap is {@link LuaMemoryProcessTest}.
 */
class MemoryBudgetTest {
    static final String BOMBS = """
            hooks = {
              auth_on_register_m5 = function(r) return r.username == "good" end,
              auth_on_publish_m5 = function(p)
                if p.topic == "rep" then return #string.rep("x", 2^30) > 0 end
                if p.topic == "rep/method" then return #(("xy"):rep(2^29)) > 0 end
                if p.topic == "rep/pcall" then return pcall(string.rep, "x", 2^30) end
                if p.topic == "concat" then
                  local t = {} for i = 1, 64 do t[i] = string.rep("y", 2^20) end
                  return #table.concat(t, ",") > 0
                end
                if p.topic == "fill" then
                  local t = {} local i = 0
                  while true do i = i + 1 t[i] = {i, tostring(i)} end
                end
                return true
              end,
            }
            """;

    @Test
    void eachBombFailsUnderThePolicyAndTheNextCallIsServed(@TempDir Path dir) {
        try (LuaBroker broker = LuaBroker.start(
                dir,
                List.of("lua.max_memory", "16MB", "lua.bombs.num_states", "1", "lua.call_timeout", "30000"),
                "bombs.lua",
                BOMBS)) {
            Mqtt5BlockingClient c = LuaClients.v5(broker, "bomber", "good", "x");
            for (String bomb : List.of("rep", "rep/method", "rep/pcall", "concat", "fill")) {
                assertEquals(Mqtt5PubAckReasonCode.NOT_AUTHORIZED, LuaClients.publish(c, bomb, "x"), bomb);
                // one state only: it was replaced, and the next call finds it
                assertFalse(LuaClients.publish(c, "fine", "x").isError(), "after " + bomb);
            }
            ScriptStatus s = broker.status("bombs");
            assertEquals(5, s.errors());
            assertEquals(0, s.timeouts(), "stopped by the memory budget, not by the clock");
            assertEquals(null, s.problem());
            assertEquals(
                    0,
                    Acks.connectV5(broker.broker, "next", "good", "x")
                            .getReasonCode()
                            .getCode());
            assertEquals(
                    0x86,
                    Acks.connectV5(broker.broker, "bad", "evil", "x")
                            .getReasonCode()
                            .getCode());
            c.disconnect();
        }
    }

    @Test
    void badMaxMemoryValueFailsThePluginNamingTheKey(@TempDir Path dir) {
        try (TestBroker b =
                TestBroker.start("plugins.lua", "on", "lua.script_dir", dir.toString(), "lua.max_memory", "lots")) {
            PluginRegistry.Status s = b.broker().plugins().list().stream()
                    .filter(x -> x.name().equals("lua"))
                    .findFirst()
                    .orElseThrow();
            assertEquals(PluginRegistry.State.FAILED, s.state());
            assertTrue(s.problem().contains("lua.max_memory: expected a size such as 64MB"), s.problem());
        }
    }

    @Test
    void sizesParse() {
        assertEquals(64L << 20, LuaPlugin.parseSize("k", "64MB"));
        assertEquals(512L << 10, LuaPlugin.parseSize("k", "512kb"));
        assertEquals(1L << 30, LuaPlugin.parseSize("k", "1G"));
        assertEquals(1000, LuaPlugin.parseSize("k", "1000"));
        assertEquals(0, LuaPlugin.parseSize("k", "0"));
        assertThrows(IllegalArgumentException.class, () -> LuaPlugin.parseSize("k", "-1MB"));
        assertThrows(IllegalArgumentException.class, () -> LuaPlugin.parseSize("k", "99999999999999999999GB"));
    }

    @Test
    void aScriptThatCannotLoadIsReportedInHealthAndShow(@TempDir Path dir, @TempDir Path data) {
        try (LuaBroker broker = LuaBroker.start(
                dir,
                List.of("listener.http.default", "127.0.0.1:0", "data_dir", data.toString()),
                "broken.lua",
                "hooks = {")) {
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> broker.status("broken").problem() != null);
            assertTrue(broker.status("broken").problem().startsWith("not loaded: "));
            var health = new io.hookline.broker.testsupport.AdminHttp(
                            broker.broker.httpPort(), io.hookline.broker.testsupport.AdminHttp.adminKey(data))
                    .get("/health");
            assertEquals(503, health.status(), health.body());
            assertTrue(health.body().contains("plugin lua: script broken: not loaded"), health.body());
        }
    }
}
