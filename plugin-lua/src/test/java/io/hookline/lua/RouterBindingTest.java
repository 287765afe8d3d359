package io.hookline.lua;

import static io.hookline.lua.LuaClients.publish;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code router.match} from Lua, through a real broker: the shipped
 * {@code scripts/examples/device_router.lua} and a script checking captures and misuse errors.
 */
class RouterBindingTest {
    private static final String CHECKS = """
            local function check(pub)
              if pub.topic ~= "check/router" then return nil end
              local t = router.match("devices/:id/telemetry", "devices/d-9/telemetry")
              local rest = router.match("files/*path", "files/a/b.txt")
              local plain = router.match("a/+", "a/b")
              local none = router.match("devices/:id", "other/x")
              local ok, err = pcall(router.match, "a/*x/b", "a/b")
              return t.id == "d-9" and rest.path == "a/b.txt" and next(plain) == nil and none == nil
                and not ok and string.find(tostring(err),
                  "router.match: pattern 'a/*x/b', level 2 '*x': a catch-all must be the last level", 1, true) ~= nil
            end
            hooks = { auth_on_publish_m5 = check }
            """;

    @TempDir
    static Path dir;

    static LuaBroker broker;

    @BeforeAll
    static void start() {
        LuaBroker.write(dir.resolve("checks.lua"), CHECKS);
        broker = LuaBroker.start(
                dir.resolve("none"),
                List.of(
                        "allow_anonymous",
                        "on",
                        "lua.devices.file",
                        Path.of("../scripts/examples/device_router.lua").toString(),
                        "lua.checks.file",
                        dir.resolve("checks.lua").toString(),
                        "lua.checks.priority",
                        "10"));
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    @Test
    void capturesAndErrorsAsDocumented() {
        Mqtt5BlockingClient c = LuaClients.v5(broker, "checker", null, null);
        assertFalse(publish(c, "check/router", "x").isError());
        c.disconnect();
    }

    @Test
    void theShippedExampleRoutesDevicesAndFiles() {
        Mqtt5BlockingClient device = LuaClients.v5(broker, "d-1", null, null);
        assertFalse(publish(device, "devices/d-1/telemetry", "20C").isError());
        assertEquals(Mqtt5PubAckReasonCode.NOT_AUTHORIZED, publish(device, "devices/d-2/telemetry", "spoof"));
        device.disconnect();

        Mqtt5BlockingClient alice = LuaClients.v5(broker, "alice-1", "alice", "pw");
        assertFalse(publish(alice, "files/alice/notes/todo.txt", "x").isError());
        assertEquals(Mqtt5PubAckReasonCode.NOT_AUTHORIZED, publish(alice, "files/bob/notes.txt", "x"));
        alice.disconnect();
    }
}
