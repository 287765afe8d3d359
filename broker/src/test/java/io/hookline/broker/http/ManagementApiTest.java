package io.hookline.broker.http;

import static io.hookline.broker.testsupport.Clients.bytes;
import static io.hookline.broker.testsupport.Clients.v3Connected;
import static io.hookline.broker.testsupport.Clients.v5Builder;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.hookline.broker.testsupport.AdminHttp;
import io.hookline.broker.testsupport.AdminHttp.Answer;
import io.hookline.broker.testsupport.TestBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every core command through the HTTP API of a running broker with real MQTT clients: the
 * answers, and each bad input with its status and message.
 */
class ManagementApiTest {
    @TempDir
    Path dataDir;

    private TestBroker broker;
    private AdminHttp api;
    private Mqtt5BlockingClient alice;
    private Mqtt3BlockingClient bob;

    @BeforeEach
    void start() {
        broker = TestBroker.start(
                "listener.http.default", "127.0.0.1:0", "data_dir", dataDir.toString(), "plugins.example", "on");
        api = new AdminHttp(broker.httpPort(), AdminHttp.adminKey(dataDir));
        alice = v5Builder(broker, "alice")
                .simpleAuth()
                .username("alice-user")
                .applySimpleAuth()
                .buildBlocking();
        alice.connect();
        bob = v3Connected(broker, "bob");
        bob.subscribeWith().topicFilter("bob/#").qos(MqttQos.AT_LEAST_ONCE).send();
    }

    @AfterEach
    void stop() {
        if (alice.getState().isConnected()) {
            alice.disconnect();
        }
        if (bob.getState().isConnected()) {
            bob.disconnect();
        }
        broker.close();
    }

    private static List<String> column(JsonNode table, String name) {
        List<String> out = new ArrayList<>();
        table.forEach(row -> out.add(row.path(name).asText()));
        return out;
    }

    @Test
    void sessionShowListsEveryConnectedClientWithItsColumns() {
        Answer a = api.get("/api/v1/session/show");
        assertEquals(200, a.status(), a.body());
        assertEquals("table", a.json().path("type").asText());
        JsonNode table = a.json().path("table");
        assertEquals(List.of("alice", "bob"), column(table, "client_id"));
        JsonNode row = table.get(0);
        assertEquals(
                List.of(
                        "client_id",
                        "user",
                        "peer_host",
                        "peer_port",
                        "mountpoint",
                        "is_online",
                        "protocol",
                        "clean_session",
                        "queue_size",
                        "subscriptions"),
                fieldNames(row));
        assertEquals("alice-user", row.path("user").asText());
        assertEquals("127.0.0.1", row.path("peer_host").asText());
        assertTrue(row.path("peer_port").asInt() > 0);
        assertTrue(row.path("is_online").asBoolean());
        assertEquals(5, row.path("protocol").asInt());
        assertEquals(4, table.get(1).path("protocol").asInt());
        assertEquals(1, table.get(1).path("subscriptions").asInt());
        assertEquals(2, a.json().path("total").asInt());
    }

    private static JsonNode rowOf(JsonNode table, String column, String value) {
        for (JsonNode row : table) {
            if (row.path(column).asText().equals(value)) {
                return row;
            }
        }
        throw new AssertionError("no row with " + column + " = " + value + " in " + table);
    }

    private static List<String> fieldNames(JsonNode row) {
        List<String> names = new ArrayList<>();
        row.fieldNames().forEachRemaining(names::add);
        return names;
    }

    @Test
    void sessionShowFiltersPicksColumnsAndPagesWithoutACap() {
        assertEquals(
                List.of("bob"),
                column(api.get("/api/v1/session/show?--client_id=bob").json().path("table"), "client_id"));
        assertEquals(
                List.of("alice"),
                column(api.get("/api/v1/session/show?--protocol=5").json().path("table"), "client_id"));
        JsonNode picked =
                api.get("/api/v1/session/show?--client_id&--user").json().path("table");
        assertEquals(List.of("client_id", "user"), fieldNames(picked.get(0)));

        Answer page1 = api.get("/api/v1/session/show?--limit=1");
        assertEquals(List.of("alice"), column(page1.json().path("table"), "client_id"));
        assertEquals(2, page1.json().path("total").asInt());
        assertEquals(1, page1.json().path("next_offset").asInt());
        Answer page2 = api.get("/api/v1/session/show?--limit=1&--offset=1");
        assertEquals(List.of("bob"), column(page2.json().path("table"), "client_id"));
        assertTrue(page2.json().path("next_offset").isMissingNode());

        for (int i = 0; i < 130; i++) {
            v3Connected(broker, "many-" + i).disconnect();
        }
        // clean v3 sessions end with their connection; persistent ones stay
        for (int i = 0; i < 130; i++) {
            var c = io.hookline.broker.testsupport.Clients.v3(broker, String.format("kept-%03d", i))
                    .toBlocking();
            c.connectWith().cleanSession(false).send();
            c.disconnect();
        }
        Answer all = api.get("/api/v1/session/show");
        assertEquals(132, all.json().path("table").size(), "no silent cap");
        assertEquals(
                130,
                api.get("/api/v1/session/show?--is_online=false")
                        .json()
                        .path("table")
                        .size());
    }

    @Test
    void sessionDisconnectClosesTheConnectionAndCleanupRemovesTheSession() {
        Answer get = api.get("/api/v1/session/disconnect?client-id=bob");
        assertEquals(405, get.status());
        assertEquals("'session disconnect' changes state: use POST", get.error());
        assertEquals("POST", get.response().headers().firstValue("allow").orElse(null));

        Answer a = api.post("/api/v1/session/disconnect?client-id=alice");
        assertEquals(200, a.status(), a.body());
        assertEquals("client 'alice' disconnected", a.json().path("text").asText());
        await().atMost(Duration.ofSeconds(5)).until(() -> !alice.getState().isConnected());

        Answer b = api.postJson("/api/v1/session/disconnect", "{\"client-id\":\"bob\",\"cleanup\":true}");
        assertEquals(200, b.status(), b.body());
        assertEquals(
                "client 'bob' disconnected and its session removed",
                b.json().path("text").asText());
        assertNull(broker.broker().sessions().get("bob"));

        Answer unknown = api.post("/api/v1/session/disconnect?client-id=nobody");
        assertEquals(404, unknown.status());
        assertEquals("no session for client-id 'nobody'", unknown.error());

        Answer missing = api.post("/api/v1/session/disconnect");
        assertEquals(400, missing.status());
        assertEquals("missing argument client-id=.. (the client id)", missing.error());
    }

    @Test
    void retainShowAndDelete() {
        alice.publishWith()
                .topic("r/a")
                .payload(bytes("one"))
                .retain(true)
                .qos(MqttQos.AT_LEAST_ONCE)
                .send();
        alice.publishWith()
                .topic("s/b")
                .payload(bytes("two"))
                .retain(true)
                .qos(MqttQos.AT_LEAST_ONCE)
                .send();
        JsonNode all = api.get("/api/v1/retain/show").json().path("table");
        assertEquals(List.of("r/a", "s/b"), column(all, "topic"));
        assertEquals("one", all.get(0).path("payload").asText());
        assertEquals(
                List.of("r/a"),
                column(api.get("/api/v1/retain/show?--topic=r/%23").json().path("table"), "topic"));

        assertEquals(200, api.post("/api/v1/retain/delete?topic=r/a").status());
        assertEquals(
                List.of("s/b"), column(api.get("/api/v1/retain/show").json().path("table"), "topic"));
        Answer again = api.post("/api/v1/retain/delete?topic=r/a");
        assertEquals(404, again.status());
        assertEquals("no retained message on topic 'r/a'", again.error());
    }

    @Test
    void pluginShowGivesTheChainOrderWithFiguresAndEnableDisableWork() {
        alice.publishWith().topic("x").payload(bytes("1")).send();
        Answer a = api.get("/api/v1/plugin/show?--hook=auth_on_publish_m5");
        assertEquals(200, a.status(), a.body());
        JsonNode row = a.json().path("table").get(0);
        assertEquals("auth_on_publish_m5", row.path("hook").asText());
        assertEquals(1, row.path("position").asInt());
        assertEquals("example", row.path("plugin").asText());
        assertEquals("enabled", row.path("state").asText());
        await().atMost(Duration.ofSeconds(5))
                .until(() -> api.get("/api/v1/plugin/show?--hook=auth_on_publish_m5")
                                .json()
                                .path("table")
                                .get(0)
                                .path("calls")
                                .asLong()
                        == 1);

        Answer bad = api.get("/api/v1/plugin/show?--hook=auth_on_nothing");
        assertEquals(400, bad.status());
        assertEquals("--hook: unknown hook 'auth_on_nothing'", bad.error());

        assertEquals(
                "plugin example disabled",
                api.post("/api/v1/plugin/disable?name=example")
                        .json()
                        .path("text")
                        .asText());
        JsonNode after = api.get("/api/v1/plugin/show").json().path("table");
        after.forEach(r -> assertTrue(r.path("hook").isNull(), "no chain has handlers: " + after));
        assertEquals("disabled", rowOf(after, "plugin", "example").path("state").asText());
        assertEquals(404, api.get("/api/v1/example/refused").status(), "a disabled plugin's commands are gone");
        assertEquals(200, api.post("/api/v1/plugin/enable?name=example").status());
        assertEquals("0", api.get("/api/v1/example/refused").json().path("text").asText());

        Answer unknown = api.post("/api/v1/plugin/enable?name=nope");
        assertEquals(404, unknown.status());
        assertTrue(unknown.error().startsWith("no plugin called 'nope'; known: [example"), unknown.error());
    }

    @Test
    void listenerAndMetricsShow() {
        JsonNode listeners = api.get("/api/v1/listener/show").json().path("table");
        assertEquals(List.of("tcp", "http"), column(listeners, "type"));
        assertEquals(broker.port(), listeners.get(0).path("port").asInt());
        assertEquals(2, listeners.get(0).path("connections").asInt());
        assertEquals(broker.httpPort(), listeners.get(1).path("port").asInt());

        JsonNode metrics = api.get("/api/v1/metrics/show").json().path("table");
        assertTrue(column(metrics, "metric")
                .containsAll(List.of("connections", "messages_in_qos0", "connections_accepted", "dropped_queue_full")));
        metrics.forEach(r -> {
            if (r.path("metric").asText().equals("connections")) {
                assertEquals(2, r.path("value").asInt());
            }
        });
    }

    @Test
    void configShowAndSetAllOrNothing() {
        JsonNode one =
                api.get("/api/v1/config/show?key=max_inflight_messages").json().path("table");
        assertEquals(1, one.size());
        assertEquals("20", one.get(0).path("value").asText());
        assertTrue(one.get(0).path("live").asBoolean());
        assertEquals("default", one.get(0).path("origin").asText());
        assertEquals(
                "20",
                api.get("/api/v1/config/show/max_inflight_messages")
                        .json()
                        .path("table")
                        .get(0)
                        .path("value")
                        .asText(),
                "the key may also be a path word");
        assertTrue(api.get("/api/v1/config/show").json().path("table").size() > 20);
        Answer unknown = api.get("/api/v1/config/show?key=nope");
        assertEquals(404, unknown.status());
        assertEquals("unknown or unset key 'nope'", unknown.error());

        Answer mixed = api.post("/api/v1/config/set?max_inflight_messages=50&max_online_messages=many");
        assertEquals(400, mixed.status());
        assertTrue(mixed.error().startsWith("nothing changed: max_online_messages: "), mixed.error());
        assertEquals(20, broker.broker().context().settings().maxInflightMessages());

        Answer notLive = api.post("/api/v1/config/set?max_inflight_messages=50&max_qos=1");
        assertEquals(400, notLive.status());
        assertEquals("nothing changed: max_qos: not live (needs a restart: change it in broker.conf)", notLive.error());
        Answer none = api.post("/api/v1/config/set");
        assertEquals(400, none.status());
        assertEquals("missing KEY=VALUE: config set takes one or more live keys", none.error());

        Answer ok = api.post("/api/v1/config/set?max_inflight_messages=50&allow_anonymous=off");
        assertEquals(200, ok.status(), ok.body());
        assertEquals(50, broker.broker().context().settings().maxInflightMessages());
        assertEquals(
                "runtime",
                api.get("/api/v1/config/show?key=max_inflight_messages")
                        .json()
                        .path("table")
                        .get(0)
                        .path("origin")
                        .asText());
        assertFalse(broker.broker().context().settings().allowAnonymous());
    }

    @Test
    void badInputGetsItsExactStatusAndMessage() {
        Answer unknown = api.get("/api/v1/sesion/show");
        assertEquals(404, unknown.status());
        assertEquals(
                "unknown command 'sesion show'; did you mean: session show",
                unknown.error().substring(0, "unknown command 'sesion show'; did you mean: session show".length()));
        assertEquals("session show", unknown.json().path("suggestions").get(0).asText());
        Answer partial = api.get("/api/v1/session");
        assertEquals(404, partial.status());
        assertEquals("unknown command 'session'; did you mean: session disconnect, session show", partial.error());

        Answer badLimit = api.get("/api/v1/session/show?--limit=ten");
        assertEquals(400, badLimit.status());
        assertEquals("bad value for --limit: 'ten' is not a whole number", badLimit.error());
        Answer badFlag = api.get("/api/v1/retain/show?--colour=red");
        assertEquals(400, badFlag.status());
        assertEquals("unknown flag --colour for 'retain show' (known: --topic)", badFlag.error());
        Answer badArg = api.post("/api/v1/retain/delete?topik=a");
        assertEquals(400, badArg.status());
        assertEquals("unknown argument topik for 'retain delete' (known: topic=..)", badArg.error());
        Answer badJson = api.postJson("/api/v1/retain/delete", "{\"topic\":");
        assertEquals(400, badJson.status());
        assertTrue(badJson.error().startsWith("malformed JSON body: "), badJson.error());
        Answer put = api.send(api.request("/api/v1/session/show")
                .PUT(java.net.http.HttpRequest.BodyPublishers.noBody())
                .build());
        assertEquals(405, put.status());
        assertEquals("PUT is not supported: use GET", put.error());
    }

    @Test
    void commandListDescribesTheTreeForTheCli() {
        JsonNode list = api.get("/api/v1/_commands").json();
        List<String> names = new ArrayList<>();
        list.forEach(c -> {
            List<String> words = new ArrayList<>();
            c.path("words").forEach(w -> words.add(w.asText()));
            names.add(String.join(" ", words));
        });
        assertTrue(
                names.containsAll(List.of(
                        "session show",
                        "session disconnect",
                        "retain show",
                        "retain delete",
                        "plugin show",
                        "plugin enable",
                        "plugin disable",
                        "api-key create",
                        "api-key delete",
                        "api-key show",
                        "listener show",
                        "metrics show",
                        "config show",
                        "config set",
                        "trace client",
                        "example refused")),
                names.toString());
        list.forEach(c -> {
            if (c.path("words").toString().equals("[\"example\",\"refused\"]")) {
                assertEquals("example", c.path("owner").asText());
            }
        });
    }
}
