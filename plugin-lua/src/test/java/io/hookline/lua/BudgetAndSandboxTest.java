package io.hookline.lua;

import static io.hookline.lua.LuaClients.publish;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A runaway script is cut off by lua.call_timeout; scripts run sandboxed unless lua.allow_unsafe. */
class BudgetAndSandboxTest {
    static final String SPIN = """
            hooks = {
              auth_on_register_m5 = function(r) return true end,
              auth_on_publish_m5 = function(p)
                if p.topic == "spin" then while true do end end
                if p.topic == "spin/pcall" then
                  while true do pcall(function() while true do end end) end
                end
                if p.topic == "spin/coroutine" then
                  local co = coroutine.wrap(function() while true do end end)
                  co()
                end
                return true
              end,
            }
            """;

    static final String SANDBOX = """
            local function denied(f, ...) local ok, r = pcall(f, ...) return (not ok) or r == nil end
            local checks = {
              ["check/os"] = function() return os.execute == nil and os.remove == nil and os.exit == nil end,
              ["check/io"] = function() return io == nil end,
              ["check/debug"] = function() return debug == nil and luajava == nil end,
              ["check/bytecode"] = function() return denied(load, string.dump(function() return 1 end)) end,
              ["check/java"] = function() return denied(require, "org.luaj.vm2.lib.jse.LuajavaLib") end,
              ["check/text"] = function() return load("return 41 + 1")() == 42 end,
              ["check/print"] = function() print("hello from", "lua") return true end,
            }
            hooks = {
              auth_on_register_m5 = function(r) return true end,
              auth_on_publish_m5 = function(p) return checks[p.topic]() end,
            }
            """;

    @Test
    void aRunawayCallIsCutOffTheFailurePolicyAppliesAndTheStateIsReplaced(@TempDir Path dir) {
        try (LuaBroker broker = LuaBroker.start(
                dir, List.of("lua.call_timeout", "300", "lua.spin.num_states", "1"), "spin.lua", SPIN)) {
            Mqtt5BlockingClient c = LuaClients.v5(broker, "spinner", "u", "p");
            int n = 0;
            for (String topic : List.of("spin", "spin/pcall", "spin/coroutine")) {
                // a call that never ends is answered (the failure policy) because the budget cut it off
                assertEquals(Mqtt5PubAckReasonCode.NOT_AUTHORIZED, publish(c, topic, "x"), topic);
                int counted = ++n;
                await().atMost(Duration.ofSeconds(5))
                        .until(() -> broker.status("spin").timeouts() == counted);
                // the one state was replaced: the next call is served
                assertFalse(publish(c, "fine", "x").isError(), "after " + topic);
            }
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> broker.status("spin").timeouts() >= 3);
            ScriptStatus s = broker.status("spin");
            assertEquals(1, s.states());
            c.disconnect();
        }
    }

    /**
     * A state built after a runaway call (the replacement of the cut-off state) takes 250 ms of
     * the 300 ms budget; one built before (at load, the spare) is quick. A call takes 100 ms: had
     * it to wait for the replacement, it would run out of time.
     */
    static final String SLOW_TO_REPLACE = """
            kv.ensure_table{name = "slow"}
            kv.ensure_table{name = "built"}
            local function busy(s) local t0 = os.clock() while os.clock() - t0 < s do end end
            if kv.lookup("slow", "spun") then busy(0.25) end
            local n = (kv.lookup("slow", "n") or 0) + 1
            kv.insert("slow", "n", n)
            kv.insert("built", n, true)
            hooks = {
              auth_on_register_m5 = function(r) return true end,
              auth_on_publish_m5 = function(p)
                if p.topic == "spin" then
                  kv.insert("slow", "spun", true)
                  while true do end
                end
                busy(0.1)
                return true
              end,
            }
            """;

    @Test
    void theCallAfterACutOffDoesNotWaitForTheReplacementState(@TempDir Path dir) {
        try (LuaBroker broker = LuaBroker.start(dir, List.of("lua.call_timeout", "300"), "slow.lua", SLOW_TO_REPLACE)) {
            // the spare state, built in the background once the script is loaded, is ready
            await().atMost(Duration.ofSeconds(10)).until(() -> broker.kv().size("built") >= 2);
            Mqtt5BlockingClient c = LuaClients.v5(broker, "slow", "u", "p");
            assertEquals(Mqtt5PubAckReasonCode.NOT_AUTHORIZED, publish(c, "spin", "x"));
            // right away, while the state that replaces the cut-off one takes 250 ms to build
            assertFalse(publish(c, "fine", "x").isError());
            ScriptStatus s = broker.status("slow");
            assertEquals(1, s.timeouts(), s.toString());
            assertEquals(0, s.errors(), s.toString());
            c.disconnect();
        }
    }

    @Test
    void scriptsAreSandboxedByDefault(@TempDir Path dir) {
        try (LuaBroker broker = LuaBroker.start(dir, List.of(), "sandbox.lua", SANDBOX)) {
            Mqtt5BlockingClient c = LuaClients.v5(broker, "sandboxed", "u", "p");
            for (String check : List.of(
                    "check/os",
                    "check/io",
                    "check/debug",
                    "check/bytecode",
                    "check/java",
                    "check/text",
                    "check/print")) {
                assertFalse(publish(c, check, "x").isError(), check);
            }
            c.disconnect();
        }
    }

    @Test
    void allowUnsafeGivesTheFullLibraries(@TempDir Path dir) {
        try (LuaBroker broker = LuaBroker.start(dir, List.of("lua.allow_unsafe", "on"), "sandbox.lua", SANDBOX)) {
            Mqtt5BlockingClient c = LuaClients.v5(broker, "unsafe", "u", "p");
            for (String check : List.of("check/os", "check/io", "check/debug", "check/bytecode")) {
                assertEquals(Mqtt5PubAckReasonCode.NOT_AUTHORIZED, publish(c, check, "x"), check);
            }
            c.disconnect();
        }
    }
}
