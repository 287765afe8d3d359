package io.hookline.lua;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.hookline.broker.testsupport.Acks;
import io.hookline.broker.testsupport.AdminHttp;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The memory bombs of a hook script against a real broker process with a 256 MB heap: the
 * string.rep and table bombs are stopped by lua.max_memory; a string doubled by concatenation
 * (too few instructions between two budget checks) reaches a real OutOfMemoryError, which costs
 * the call and its state, not the broker. After each, the broker keeps serving: the next
 * CONNECT is decided by the script as usual and /health says OK.
 */
class LuaMemoryProcessTest {
    static final String BOMBS = """
            hooks = {
              auth_on_register_m5 = function(r) return r.username == "good" end,
              auth_on_publish_m5 = function(p)
                if p.topic == "rep" then return #string.rep("x", 2^30) > 0 end
                if p.topic == "fill" then
                  local t = {} local i = 0
                  while true do i = i + 1 t[i] = {i, tostring(i)} end
                end
                if p.topic == "double" then
                  local s = string.rep("x", 2^20)
                  for i = 1, 12 do s = s .. s end
                  return #s > 0
                end
                return true
              end,
            }
            """;

    private static final Pattern MQTT_PORT = Pattern.compile("MQTT listener 'default' on tcp /127\\.0\\.0\\.1:(\\d+)");
    private static final Pattern HTTP_PORT = Pattern.compile("HTTP listener 'default' on /127\\.0\\.0\\.1:(\\d+)");

    private final List<String> output = new CopyOnWriteArrayList<>();
    private Process broker;

    @AfterEach
    void stop() throws InterruptedException {
        if (broker != null) {
            broker.destroy();
            if (!broker.waitFor(30, TimeUnit.SECONDS)) {
                broker.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void bombsCostTheirCallNotTheBroker(@TempDir Path dir) throws Exception {
        Path scripts = Files.createDirectories(dir.resolve("scripts"));
        Files.writeString(scripts.resolve("bombs.lua"), BOMBS);
        Path conf = Files.writeString(
                dir.resolve("broker.conf"),
                String.join(
                        "\n",
                        "listener.tcp.default = 127.0.0.1:0",
                        "listener.http.default = 127.0.0.1:0",
                        "data_dir = " + dir.resolve("data"),
                        "allow_anonymous = off",
                        "systree_interval = 0",
                        "plugins.lua = on",
                        "lua.script_dir = " + scripts,
                        "lua.max_memory = 64MB",
                        "lua.call_timeout = 30000",
                        ""));
        broker = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-Xmx256m",
                        "-cp",
                        System.getProperty("java.class.path"),
                        "io.hookline.broker.Main",
                        "--config",
                        conf.toString())
                .redirectErrorStream(true)
                .start();
        Thread reader = new Thread(
                () -> {
                    try (BufferedReader r = new BufferedReader(
                            new InputStreamReader(broker.getInputStream(), StandardCharsets.UTF_8))) {
                        for (String line; (line = r.readLine()) != null; ) {
                            output.add(line);
                        }
                    } catch (java.io.IOException closed) {
                        output.add("(output closed: " + closed + ")");
                    }
                },
                "broker-output");
        reader.setDaemon(true);
        reader.start();
        int mqtt = port(MQTT_PORT);
        int http = port(HTTP_PORT);
        Mqtt5BlockingClient c = LuaClients.v5(mqtt, "bomber", "good", "x");
        for (String bomb : List.of("rep", "fill", "double")) {
            assertEquals(0x87, Acks.puback(c, bomb, "x"), bomb + ": refused under the failure policy\n" + log());
            assertEquals(
                    0,
                    connect(mqtt, "next-" + bomb, "good"),
                    "after " + bomb + " the next CONNECT is decided by the script\n" + log());
            assertEquals(0x86, connect(mqtt, "evil-" + bomb, "evil"), "and refuses whom it refuses\n" + log());
            HttpResponse<String> health = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http + "/health"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            assertEquals(200, health.statusCode(), health.body());
            Acks.assertAccepted(Acks.puback(c, "fine", "x"));
        }
        c.disconnect();
        // the engine logs one handler failure a second: the script's own counters tell each call
        AdminHttp.Answer shown =
                new AdminHttp(http, AdminHttp.adminKey(dir.resolve("data"))).get("/api/v1/script/show");
        assertEquals(200, shown.status(), shown.body());
        org.junit.jupiter.api.Assertions.assertTrue(
                shown.body().contains("\"errors\":3")
                        && shown.body().contains("\"timeouts\":0")
                        && shown.body().contains("\"health\":\"ok\""),
                "three failed calls, none cut off by the clock, the script healthy: " + shown.body());
        org.junit.jupiter.api.Assertions.assertTrue(
                output.stream()
                        .anyMatch(l -> l.contains("a call died of java.lang.OutOfMemoryError")
                                && l.contains("its Lua state is replaced")),
                log());
        assertEquals(
                List.of(),
                output.stream().filter(l -> l.startsWith("Exception in thread")).toList(),
                "nothing died on stderr");
    }

    /** @return the CONNACK reason code; disconnects on success */
    private static int connect(int port, String id, String user) {
        Mqtt5BlockingClient c = com.hivemq.client.mqtt.MqttClient.builder()
                .useMqttVersion5()
                .identifier(id)
                .serverHost("127.0.0.1")
                .serverPort(port)
                .buildBlocking();
        int code = Acks.connack(() -> c.connectWith()
                        .simpleAuth()
                        .username(user)
                        .password("x".getBytes(StandardCharsets.UTF_8))
                        .applySimpleAuth()
                        .send())
                .getReasonCode()
                .getCode();
        if (code == 0) {
            c.disconnect();
        }
        return code;
    }

    private int port(Pattern p) {
        await().atMost(Duration.ofSeconds(60))
                .until(() -> output.stream().anyMatch(l -> p.matcher(l).find()));
        for (String l : output) {
            Matcher m = p.matcher(l);
            if (m.find()) {
                return Integer.parseInt(m.group(1));
            }
        }
        throw new AssertionError("no port in " + log());
    }

    private String log() {
        return String.join("\n", output);
    }
}
