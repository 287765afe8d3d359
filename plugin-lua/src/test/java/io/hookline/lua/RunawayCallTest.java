package io.hookline.lua;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.hookline.broker.testsupport.Acks;
import io.hookline.broker.testsupport.AdminHttp;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One client's runaway call holds only its own Lua state: by default a script has one state per
 * core (at least two), so an unrelated CONNECT is decided by another state; with a single state
 * the CONNECT waits in line, and {@code script show} says so.
 */
class RunawayCallTest {
    static final String SCRIPT = """
            kv.ensure_table{name = "running"}
            hooks = {
              auth_on_register_m5 = function(r) return true end,
              auth_on_publish_m5 = function(p)
                if p.topic == "loop" then
                  kv.insert("running", p.client_id, true)
                  while true do end
                end
                return true
              end,
            }
            """;

    /** Starts a QoS 1 publish to "loop" that never gets its PUBACK while the budget lasts. */
    private static Mqtt5AsyncClient runaway(LuaBroker broker) {
        Mqtt5AsyncClient looper = MqttClient.builder()
                .useMqttVersion5()
                .identifier("looper")
                .serverHost("127.0.0.1")
                .serverPort(broker.port())
                .buildAsync();
        looper.connectWith()
                .simpleAuth()
                .username("u")
                .password("p".getBytes())
                .applySimpleAuth()
                .send()
                .join();
        looper.publishWith().topic("loop").qos(MqttQos.AT_LEAST_ONCE).send();
        await().atMost(Duration.ofSeconds(10)).until(() -> broker.kv().size("running") == 1);
        return looper;
    }

    @Test
    void aRunawayPublishCallDoesNotHoldAnotherClientsConnect(@TempDir Path dir) {
        try (LuaBroker broker = LuaBroker.start(dir, List.of("lua.call_timeout", "10000"), "spin.lua", SCRIPT)) {
            assertTrue(broker.status("spin").states() >= 2, "never a single state by default");
            runaway(broker);
            // decided by an idle state, as if the runaway call did not exist
            assertEquals(
                    0,
                    Acks.connectV5(broker.broker, "other", "u", "p")
                            .getReasonCode()
                            .getCode());
            Mqtt5BlockingClient other = LuaClients.v5(broker, "other2", "u", "p");
            Acks.assertAccepted(Acks.puback(other, "fine", "x"));
            other.disconnect();
            ScriptStatus s = broker.status("spin");
            assertEquals(0, s.queued(), "no call had to wait for a state");
            assertEquals(0, s.timeouts());
        }
    }

    @Test
    void withASingleStateScriptShowSaysCallsQueue(@TempDir Path dir, @TempDir Path data) {
        try (LuaBroker broker = LuaBroker.start(
                dir,
                List.of(
                        "lua.call_timeout",
                        "10000",
                        "lua.spin.num_states",
                        "1",
                        "listener.http.default",
                        "127.0.0.1:0",
                        "data_dir",
                        data.toString()),
                "spin.lua",
                SCRIPT)) {
            runaway(broker);
            Mqtt5AsyncClient waiting = MqttClient.builder()
                    .useMqttVersion5()
                    .identifier("waiting")
                    .serverHost("127.0.0.1")
                    .serverPort(broker.port())
                    .buildAsync();
            var connack = waiting.connectWith()
                    .simpleAuth()
                    .username("u")
                    .password("p".getBytes())
                    .applySimpleAuth()
                    .send();
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> broker.status("spin").waiting() == 1);
            assertEquals(1, broker.status("spin").queued());
            assertFalse(connack.isDone(), "its CONNECT waits for the one state");
            AdminHttp.Answer shown =
                    new AdminHttp(broker.broker.httpPort(), AdminHttp.adminKey(data)).get("/api/v1/script/show");
            assertEquals(200, shown.status(), shown.body());
            assertTrue(shown.body().contains("\"waiting\":1") && shown.body().contains("\"queued\":1"), shown.body());
        }
    }
}
