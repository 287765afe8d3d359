package io.hookline.lua;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** num_states, one call at a time per state, and keep_state. */
class StatePoolTest {
    static final String GUARDED = """
            num_states = 2
            keep_state = true
            inside = false
            hooks = {
              auth_on_register_m5 = function(r) return true end,
              auth_on_publish_m5 = function(p)
                if inside then error("two calls at once on one state") end
                inside = true
                local x = 0
                for i = 1, 20000 do x = x + i end
                inside = false
                return true
              end,
            }
            """;

    static String counter(boolean keep) {
        return """
                keep_state = %s
                n = 0
                hooks = {
                  auth_on_register_m5 = function(r) return true end,
                  auth_on_publish_m5 = function(p) n = n + 1 return {payload = tostring(n)} end,
                }
                """.formatted(keep);
    }

    @Test
    void concurrentCallsSpreadOverTheStatesNeverTwoOnOne(@TempDir Path dir) throws Exception {
        try (LuaBroker broker = LuaBroker.start(dir, List.of(), "guarded.lua", GUARDED)) {
            ExecutorService pool = Executors.newFixedThreadPool(4);
            ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
            List<Future<?>> done = new ArrayList<>();
            for (int c = 0; c < 4; c++) {
                String id = "pub-" + c;
                done.add(pool.submit(() -> {
                    Mqtt5BlockingClient client = LuaClients.v5(broker, id, "u", "p");
                    for (int i = 0; i < 50; i++) {
                        var code = LuaClients.publish(client, "t/" + id, "x");
                        if (code.isError()) {
                            failures.add(id + "/" + i + ": " + code);
                        }
                    }
                    client.disconnect();
                }));
            }
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
            pool.shutdown();
            assertEquals(List.of(), List.copyOf(failures));
            ScriptStatus s = broker.status("guarded");
            assertEquals(2, s.states());
            assertEquals(0, s.errors());
            assertTrue(s.calls() >= 200);
        }
    }

    @Test
    void withoutKeepStateGlobalsAreResetAfterEachCall(@TempDir Path dir) throws Exception {
        assertEquals(List.of("1", "1", "1"), payloads(dir, counter(false)));
    }

    @Test
    void withoutKeepStateGlobalsACallAddsRemovesOrSetsRawAreUndoneToo(@TempDir Path dir) throws Exception {
        String script = """
                n = 0
                hooks = {
                  auth_on_register_m5 = function(r) return true end,
                  auth_on_publish_m5 = function(p)
                    local seen = table.concat({tostring(n), tostring(added), tostring(rawget(_G, 1)),
                        tostring(rawget(_G, 7)), type(print)}, ",")
                    n = n + 1
                    added = "x"
                    rawset(_G, 1, "one")
                    rawset(_G, 7, "seven")
                    print = nil
                    return {payload = seen}
                  end,
                }
                """;
        String fresh = "0,nil,nil,nil,function";
        assertEquals(List.of(fresh, fresh, fresh), payloads(dir, script));
    }

    @Test
    void keepStateKeepsGlobalsBetweenCalls(@TempDir Path dir) throws Exception {
        assertEquals(List.of("1", "2", "3"), payloads(dir, counter(true)));
    }

    private static List<String> payloads(Path dir, String script) throws Exception {
        try (LuaBroker broker = LuaBroker.start(dir, List.of(), "counter.lua", script)) {
            Mqtt5BlockingClient sub = LuaClients.v5(broker, "counter-sub", "u", "p");
            List<String> out = new ArrayList<>();
            try (var received = sub.publishes(MqttGlobalPublishFilter.ALL)) {
                // the flow before the SUBSCRIBE: the client registers it on its own loop, and a message that
                // comes first is dropped ("No publish flow registered")
                sub.subscribeWith().topicFilter("n").qos(MqttQos.AT_LEAST_ONCE).send();
                Mqtt5BlockingClient pub = LuaClients.v5(broker, "counter-pub", "u", "p");
                for (int i = 0; i < 3; i++) {
                    LuaClients.publish(pub, "n", "x");
                    out.add(new String(
                            received.receive(5, TimeUnit.SECONDS).orElseThrow().getPayloadAsBytes(),
                            StandardCharsets.UTF_8));
                }
                pub.disconnect();
            }
            sub.disconnect();
            return out;
        }
    }
}
