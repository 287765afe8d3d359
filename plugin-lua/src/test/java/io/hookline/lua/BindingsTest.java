package io.hookline.lua;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static io.hookline.lua.LuaClients.publish;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bindings, each through a real broker: json, bcrypt, crypto, obf, log, kv, http (WireMock), auth_cache, misuse errors. */
class BindingsTest {
    static final String CHECKS = """
            local function hex(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end
            local function fails_with(text, f, ...)
              local ok, err = pcall(f, ...)
              if ok then return false end
              if not string.find(tostring(err), text, 1, true) then log.error("unexpected error: " .. tostring(err)) return false end
              return true
            end
            kv.ensure_table{name = "counters"}
            local checks = {
              ["json"] = function()
                local t = json.decode('{"a":[1,2,{"b":true}],"s":"x"}')
                local back = json.decode(json.encode({x = 1, y = {1, 2, 3}, z = "\\u00e9"}))
                local bad, msg = json.decode("{nope")
                return t.a[3].b == true and t.s == "x" and back.y[3] == 3 and back.x == 1 and bad == nil
                  and string.find(msg, "invalid JSON", 1, true) ~= nil
              end,
              ["bcrypt"] = function()
                local default = bcrypt.gen_salt()
                local salt = bcrypt.gen_salt(4) -- cheap cost: this machine is slow
                local h = bcrypt.hashpw("s3cret", salt)
                return #default == 29 and string.sub(default, 1, 7) == "$2a$12$" and string.sub(h, 1, 7) == "$2a$04$"
                  and bcrypt.hashpw("s3cret", h) == h
                  and bcrypt.hashpw("other", h) ~= h
              end,
              ["crypto"] = function()
                return hex(crypto.hash("sha256", "abc")) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
                  and hex(crypto.hash("md5", "")) == "d41d8cd98f00b204e9800998ecf8427e"
              end,
              ["obf"] = function() return obf.decrypt(obf.encrypt("pw")) == "pw" end,
              ["log"] = function() log.debug("d") log.info("i") log.warning("w") log.error("e") return true end,
              ["misuse"] = function()
                return fails_with("bad argument #1 'pool_id' to http.get (string expected, got nil)", http.get, nil, "x")
                  and fails_with("http.post: no pool 'nope'", http.post, "nope", "http://127.0.0.1:1/")
                  and fails_with("kv.insert: no table 'nope'", kv.insert, "nope", "k", "v")
                  and fails_with("bad argument #2 'key' to kv.lookup", kv.lookup, "counters", {})
                  and fails_with("postgres.ensure_pool: field 'pool_id' is missing", postgres.ensure_pool, {})
                  and fails_with("bad argument #2 'salt_or_hash' to bcrypt.hashpw", bcrypt.hashpw, "pw", "salt")
                  and fails_with("bad argument #1 'algorithm' to crypto.hash", crypto.hash, "sha3", "x")
                  and fails_with("bad argument #4 'publish_acl' to auth_cache.insert", auth_cache.insert, "", "c", "u", 5)
                  and fails_with("json.encode: cannot convert a function", json.encode, {f = print})
              end,
              ["kv"] = function()
                kv.ensure_table{name = "counters"}
                kv.insert("counters", "a", {n = 1, tags = {"x", "y"}})
                local first = kv.insert_new("counters", "b", 1)
                local second = kv.insert_new("counters", "b", 2)
                local v = kv.lookup("counters", "a")
                kv.delete("counters", "a")
                local gone = kv.lookup("counters", "a") == nil
                kv.delete_all("counters")
                return v.n == 1 and v.tags[2] == "y" and first and not second and gone and kv.lookup("counters", "b") == nil
              end,
            }
            hooks = {
              auth_on_register_m5 = function(reg)
                if reg.username == "cached" then
                  auth_cache.insert(reg.mountpoint, reg.client_id, reg.username,
                    {{pattern = "own/%c/#"}}, {{pattern = "own/%c/#", max_qos = 1}})
                  return true
                end
                return nil -- the http script decides
              end,
              auth_on_publish_m5 = function(p)
                local check = checks[p.topic]
                if check then return check() end
                return nil
              end,
            }
            """;

    static String httpScript(int port) {
        return """
                http.ensure_pool{pool_id = "auth", size = 4}
                hooks = {
                  auth_on_register_m5 = function(reg)
                    local res, err = http.post("auth", "http://127.0.0.1:%d/auth",
                      json.encode({username = reg.username, client_id = reg.client_id}),
                      {["content-type"] = "application/json", ["x-from"] = "lua"})
                    if not res then error(err) end
                    if res.status ~= 200 then return false end
                    return json.decode(http.body(res.ref)).result == "ok"
                  end,
                }
                """.formatted(port);
    }

    @TempDir
    static Path dir;

    static WireMockServer wiremock;
    static LuaBroker broker;

    @BeforeAll
    static void start() {
        wiremock = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
        wiremock.start();
        wiremock.stubFor(post("/auth")
                .withRequestBody(matchingJsonPath("$.username", equalTo("alice")))
                .willReturn(okJson("{\"result\":\"ok\"}")));
        wiremock.stubFor(post("/auth")
                .withRequestBody(matchingJsonPath("$.username", equalTo("mallory")))
                .willReturn(aResponse().withStatus(403)));
        wiremock.stubFor(post("/auth")
                .withRequestBody(matchingJsonPath("$.username", equalTo("slow")))
                .willReturn(okJson("{\"result\":\"ok\"}").withFixedDelay(10_000)));
        LuaBroker.write(dir.resolve("http.lua"), httpScript(wiremock.port()));
        LuaBroker.write(dir.resolve("checks.lua"), CHECKS);
        // no script directory: each script by lua.NAME.file, ordered by lua.NAME.priority
        broker = LuaBroker.start(
                dir.resolve("none"),
                List.of(
                        "lua.call_timeout",
                        "3000",
                        "lua.http.num_states",
                        "4",
                        "lua.http.file",
                        dir.resolve("http.lua").toString(),
                        "lua.ratelimit.file",
                        Path.of("../scripts/examples/rate_limit.lua").toString(),
                        "lua.ratelimit.priority",
                        "20",
                        "lua.checks.file",
                        dir.resolve("checks.lua").toString(),
                        "lua.checks.priority",
                        "10"));
    }

    @AfterAll
    static void stop() {
        broker.close();
        wiremock.stop();
    }

    @Test
    void eachBindingWorksFromAScript() {
        Mqtt5BlockingClient c = LuaClients.v5(broker, "checker", "alice", "pw");
        for (String check : List.of("json", "bcrypt", "crypto", "obf", "log", "misuse", "kv")) {
            assertFalse(publish(c, check, "x").isError(), check);
        }
        c.disconnect();
    }

    @Test
    void httpPostAsksTheServiceAndReadsTheBody() {
        Mqtt5BlockingClient c = LuaClients.v5(broker, "alice-1", "alice", "pw");
        c.disconnect();
        wiremock.verify(postRequestedFor(urlEqualTo("/auth"))
                .withHeader("content-type", containing("application/json"))
                .withHeader("x-from", equalTo("lua"))
                .withRequestBody(matchingJsonPath("$.client_id", equalTo("alice-1"))));
        var e = assertThrows(Mqtt5ConnAckException.class, () -> LuaClients.v5(broker, "m-1", "mallory", "pw"));
        assertEquals(
                Mqtt5ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD,
                e.getMqttMessage().getReasonCode());
    }

    @Test
    void aSlowHttpServiceIsCutOffByTheBudget() {
        // the service would answer ok after 10 s: refused means the 3 s budget cut the call off
        var e = assertThrows(Mqtt5ConnAckException.class, () -> LuaClients.v5(broker, "s-1", "slow", "pw"));
        assertEquals(Mqtt5ConnAckReasonCode.NOT_AUTHORIZED, e.getMqttMessage().getReasonCode());
        org.awaitility.Awaitility.await()
                .atMost(java.time.Duration.ofSeconds(5))
                .until(() -> broker.status("http").timeouts() >= 1);
    }

    @Test
    void theShippedRateLimitExampleCountsInKv() {
        Mqtt5BlockingClient c = LuaClients.v5(broker, "chatty", "alice", "pw");
        for (int i = 0; i < 5; i++) {
            assertFalse(publish(c, "chat", "m" + i).isError(), "message " + i);
        }
        assertEquals(Mqtt5PubAckReasonCode.NOT_AUTHORIZED, publish(c, "chat", "one too many"));
        c.disconnect();
    }

    @Test
    void authCacheEntriesBecomeSessionPermissionsCheckedWithoutLua() {
        Mqtt5BlockingClient c = LuaClients.v5(broker, "cache-1", "cached", "pw");
        long callsBefore = broker.status("checks").calls();
        // the rate limit script also serves auth_on_publish; permissions decide before any chain
        assertFalse(publish(c, "own/cache-1/temp", "x").isError());
        var ack = c.subscribeWith()
                .topicFilter("own/cache-1/#")
                .qos(MqttQos.EXACTLY_ONCE)
                .send();
        assertEquals(1, ack.getReasonCodes().get(0).getCode(), "QoS capped at max_qos 1");
        assertEquals(callsBefore, broker.status("checks").calls(), "no Lua call for the permitted publish");
        c.disconnect();
    }
}
