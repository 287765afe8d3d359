package io.hookline.plugin.webhooks;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.hivemq.client.mqtt.mqtt3.exceptions.Mqtt3ConnAckException;
import io.hookline.broker.testsupport.AdminHttp;
import io.hookline.broker.testsupport.AdminHttp.Answer;
import io.hookline.broker.testsupport.Clients;
import io.hookline.broker.testsupport.TestBroker;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** admin webhooks register|deregister|show and webhooks cache show|clear over the HTTP API of a real broker. */
class WebhooksCommandsTest {
    @TempDir
    Path data;

    @Test
    void registerShowCacheAndDeregisterOverHttp() {
        try (WebhookFixture fx = new WebhookFixture()) {
            fx.answer("/deny", "{\"result\":{\"error\":\"no\"}}");
            fx.http.stubFor(post(urlPathEqualTo("/cached"))
                    .willReturn(aResponse()
                            .withStatus(200)
                            .withHeader("cache-control", "max-age=60")
                            .withBody("{\"result\":\"ok\"}")));
            TestBroker broker = fx.broker(data, "listener.http.default", "127.0.0.1:0");
            AdminHttp api = new AdminHttp(broker.httpPort(), AdminHttp.adminKey(data));

            Answer reg = api.postJson(
                    "/api/v1/webhooks/register",
                    "{\"hook\":\"auth_on_register\",\"endpoint\":\"" + fx.url("/deny")
                            + "\",\"--on_error\":\"deny\",\"--response_timeout\":\"1000\"}");
            assertEquals(200, reg.status(), reg.body());
            assertEquals(
                    "registered auth_on_register -> " + fx.url("/deny"),
                    reg.json().path("text").asText());
            assertThrows(
                    Mqtt3ConnAckException.class,
                    () -> Clients.v3(broker, "refused").toBlocking().connect());
            Answer show = api.get("/api/v1/webhooks/show");
            assertEquals(
                    "auth_on_register",
                    show.json().path("table").get(0).path("hook").asText());
            assertEquals(1, show.json().path("table").get(0).path("calls").asInt());
            assertEquals(
                    1000,
                    show.json().path("table").get(0).path("response_timeout").asInt());
            assertEquals(
                    "deny", show.json().path("table").get(0).path("on_error").asText());
            // without --on_error the row says which default applies instead of leaving it blank
            assertEquals(
                    200,
                    api.postJson(
                                    "/api/v1/webhooks/register",
                                    "{\"hook\":\"auth_on_subscribe\",\"endpoint\":\"" + fx.url("/cached") + "\"}")
                            .status());
            assertEquals(
                    200,
                    api.postJson(
                                    "/api/v1/webhooks/register",
                                    "{\"hook\":\"on_publish\",\"endpoint\":\"" + fx.url("/cached") + "\"}")
                            .status());
            java.util.Map<String, String> onError = new java.util.HashMap<>();
            api.get("/api/v1/webhooks/show")
                    .json()
                    .path("table")
                    .forEach(row -> onError.put(
                            row.path("hook").asText(), row.path("on_error").asText()));
            assertEquals("deny (default)", onError.get("auth_on_subscribe"));
            assertEquals("none (notify: logged)", onError.get("on_publish"));
            assertEquals(
                    200,
                    api.postJson(
                                    "/api/v1/webhooks/deregister",
                                    "{\"hook\":\"auth_on_subscribe\",\"endpoint\":\"" + fx.url("/cached") + "\"}")
                            .status());
            assertEquals(
                    200,
                    api.postJson(
                                    "/api/v1/webhooks/deregister",
                                    "{\"hook\":\"on_publish\",\"endpoint\":\"" + fx.url("/cached") + "\"}")
                            .status());

            Answer badHook = api.postJson(
                    "/api/v1/webhooks/register",
                    "{\"hook\":\"auth_on_nothing\",\"endpoint\":\"" + fx.url("/x") + "\"}");
            assertEquals(400, badHook.status());
            assertEquals("unknown hook 'auth_on_nothing'", badHook.error());
            Answer badUrl =
                    api.postJson("/api/v1/webhooks/register", "{\"hook\":\"on_publish\",\"endpoint\":\"nope\"}");
            assertEquals(400, badUrl.status());
            assertEquals("malformed endpoint URL 'nope' (expected http:// or https://)", badUrl.error());
            Answer twice = api.postJson(
                    "/api/v1/webhooks/register",
                    "{\"hook\":\"auth_on_register\",\"endpoint\":\"" + fx.url("/deny") + "\"}");
            assertEquals(409, twice.status());

            Answer dereg = api.postJson(
                    "/api/v1/webhooks/deregister",
                    "{\"hook\":\"auth_on_register\",\"endpoint\":\"" + fx.url("/deny") + "\"}");
            assertEquals(200, dereg.status(), dereg.body());
            Answer again = api.postJson(
                    "/api/v1/webhooks/deregister",
                    "{\"hook\":\"auth_on_register\",\"endpoint\":\"" + fx.url("/deny") + "\"}");
            assertEquals(404, again.status());
            assertEquals("no webhook registered for auth_on_register at " + fx.url("/deny"), again.error());

            assertEquals(
                    200,
                    api.postJson(
                                    "/api/v1/webhooks/register",
                                    "{\"hook\":\"auth_on_register\",\"endpoint\":\"" + fx.url("/cached") + "\"}")
                            .status());
            Clients.v3Connected(broker, "c1").disconnect();
            Clients.v3Connected(broker, "c2").disconnect();
            Answer cache = api.get("/api/v1/webhooks/cache/show");
            assertEquals(2, cache.json().path("table").size(), cache.body());
            Answer clear = api.postJson("/api/v1/webhooks/cache/clear", "{\"--client_id\":\"c1\"}");
            assertEquals(
                    "cleared 1 cached answer(s) about c1",
                    clear.json().path("text").asText());
            assertEquals(
                    "cleared 1 cached answer(s)",
                    api.post("/api/v1/webhooks/cache/clear").json().path("text").asText());
        }
    }

    @Test
    void cacheClearTakesAMountpointAndWithoutOneClearsTheClientIdOnEveryMountpoint() {
        try (WebhookFixture fx = new WebhookFixture()) {
            fx.http.stubFor(post(urlPathEqualTo("/cached"))
                    .willReturn(aResponse()
                            .withStatus(200)
                            .withHeader("cache-control", "max-age=60")
                            .withBody("{\"result\":\"ok\"}")));
            TestBroker broker = fx.broker(
                    data,
                    "listener.http.default",
                    "127.0.0.1:0",
                    "listener.tcp.tenant",
                    "127.0.0.1:0",
                    "listener.tcp.tenant.mountpoint",
                    "tenantA/",
                    "webhooks.auth.hook",
                    "auth_on_register",
                    "webhooks.auth.endpoint",
                    fx.url("/cached"));
            AdminHttp api = new AdminHttp(broker.httpPort(), AdminHttp.adminKey(data));
            Clients.v3Connected(broker, "c1").disconnect();
            Clients.v3Connected(broker, "c2").disconnect();
            connectOnTenant(broker, "c1");
            connectOnTenant(broker, "c2");
            assertEquals(
                    4,
                    api.get("/api/v1/webhooks/cache/show").json().path("table").size());

            Answer one = api.postJson(
                    "/api/v1/webhooks/cache/clear", "{\"--client_id\":\"c1\",\"mountpoint\":\"tenantA/\"}");
            assertEquals(
                    "cleared 1 cached answer(s) about c1 on mountpoint 'tenantA/'",
                    one.json().path("text").asText());
            Answer every = api.postJson("/api/v1/webhooks/cache/clear", "{\"--client_id\":\"c2\"}");
            assertEquals(
                    "cleared 2 cached answer(s) about c2",
                    every.json().path("text").asText());
            Answer left = api.get("/api/v1/webhooks/cache/show");
            assertEquals(1, left.json().path("table").size(), left.body());
            assertEquals(
                    "c1", left.json().path("table").get(0).path("client_id").asText(), left.body());
            assertEquals("", left.json().path("table").get(0).path("mountpoint").asText(), left.body());
        }
    }

    private static void connectOnTenant(TestBroker broker, String clientId) {
        var client = com.hivemq.client.mqtt.MqttClient.builder()
                .useMqttVersion3()
                .identifier(clientId)
                .serverHost("127.0.0.1")
                .serverPort(broker.port("tcp", "tenant"))
                .buildBlocking();
        client.connect();
        client.disconnect();
    }
}
