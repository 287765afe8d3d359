package io.hookline.plugin.webhooks;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hookline.broker.Broker;
import io.hookline.broker.config.Config;
import io.hookline.broker.config.ConfigException;
import io.hookline.broker.hooks.plugins.PluginRegistry;
import io.hookline.broker.testsupport.AdminHttp;
import io.hookline.broker.testsupport.AdminHttp.Answer;
import io.hookline.broker.testsupport.TestBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** batch_max in broker.conf, admin webhooks register and registrations.json: accepted, shown, kept, or refused by name. */
class BatchSettingTest {
    @TempDir
    Path data;

    @Test
    void badBatchMaxInBrokerConfStopsThePluginNamingTheKeyAndInstallsNothing() {
        try (WebhookFixture fx = new WebhookFixture()) {
            String url = fx.url("/n");
            Map<String, String> refusals = Map.of(
                    "auth_on_register 10", "webhooks.w.batch_max applies only to NOTIFY hooks, not to auth_on_register",
                    "on_deliver 10", "webhooks.w.batch_max applies only to NOTIFY hooks, not to on_deliver",
                    "on_publish 0", "webhooks.w.batch_max must be between 1 and 1000, not 0",
                    "on_publish -5", "webhooks.w.batch_max must be between 1 and 1000, not -5",
                    "on_publish 1001", "webhooks.w.batch_max must be between 1 and 1000, not 1001");
            for (var r : refusals.entrySet()) {
                String[] hookAndValue = r.getKey().split(" ");
                // a good entry next to the bad one: the plugin starts with both or with neither
                try (TestBroker b = fx.broker(
                        data,
                        "webhooks.good.hook",
                        "on_publish",
                        "webhooks.good.endpoint",
                        url,
                        "webhooks.w.hook",
                        hookAndValue[0],
                        "webhooks.w.endpoint",
                        url,
                        "webhooks.w.batch_max",
                        hookAndValue[1])) {
                    PluginRegistry.Status s = WebhookFixture.status(b);
                    assertEquals(PluginRegistry.State.FAILED, s.state(), r.getKey());
                    assertTrue(s.problem().contains(r.getValue()), s.problem());
                    assertThrows(IllegalStateException.class, () -> WebhookFixture.api(b));
                }
            }
            for (String notAnInt : List.of("ten", "2.5", "99999999999")) {
                var e = assertThrows(
                        IllegalArgumentException.class,
                        () -> fx.broker(
                                data,
                                "webhooks.w.hook",
                                "on_publish",
                                "webhooks.w.endpoint",
                                url,
                                "webhooks.w.batch_max",
                                notAnInt));
                assertTrue(
                        e.getMessage().contains("webhooks.w.batch_max: '" + notAnInt + "' is not a valid"),
                        e.getMessage());
            }
        }
    }

    @Test
    void aNonIntegerBatchMaxInTheFileIsReportedWithItsLine() throws Exception {
        Path conf = data.resolve("broker.conf");
        Files.writeString(
                conf,
                "plugins.webhooks = on\nwebhooks.pub.hook = on_publish\n"
                        + "webhooks.pub.endpoint = http://127.0.0.1:1/x\nwebhooks.pub.batch_max = lots\n");
        var schema = Broker.configSchema(Broker.discoverPlugins(null));
        ConfigException e = assertThrows(ConfigException.class, () -> Config.load(conf, schema, Map.of()));
        assertTrue(
                e.getMessage().startsWith(conf + ":4: webhooks.pub.batch_max: 'lots' is not a valid"), e.getMessage());
    }

    @Test
    void adminRegisterTakesBatchMaxShowsItAndRefusesBadValuesByName() throws Exception {
        try (WebhookFixture fx = new WebhookFixture()) {
            fx.http.stubFor(post(urlPathEqualTo("/n")).willReturn(aResponse().withStatus(200)));
            TestBroker broker = fx.broker(data, "listener.http.default", "127.0.0.1:0");
            AdminHttp api = new AdminHttp(broker.httpPort(), AdminHttp.adminKey(data));
            String pub = "{\"hook\":\"on_publish\",\"endpoint\":\"" + fx.url("/n") + "\"";

            Map<String, String> refusals = Map.of(
                    "{\"hook\":\"auth_on_publish\",\"endpoint\":\"" + fx.url("/n") + "\",\"--batch_max\":\"5\"}",
                    "batch_max applies only to NOTIFY hooks, not to auth_on_publish (AUTH: each call needs its own answer)",
                    pub + ",\"--batch_max\":\"0\"}",
                    "batch_max must be between 1 and 1000, not 0",
                    pub + ",\"--batch_max\":\"-1\"}",
                    "batch_max must be between 1 and 1000, not -1",
                    pub + ",\"--batch_max\":\"99999999999\"}",
                    "batch_max must be between 1 and 1000, not 99999999999",
                    pub + ",\"--batch_max\":\"many\"}",
                    "bad value for --batch_max: 'many' is not a whole number");
            for (var r : refusals.entrySet()) {
                Answer a = api.postJson("/api/v1/webhooks/register", r.getKey());
                assertEquals(400, a.status(), a.body());
                assertEquals(r.getValue(), a.error());
            }
            assertEquals(List.of(), WebhookFixture.api(broker).show(), "nothing half-registered");
            assertFalse(Files.exists(data.resolve("plugins/webhooks/registrations.json")), "nothing persisted");

            Answer ok = api.postJson("/api/v1/webhooks/register", pub + ",\"--batch_max\":\"50\"}");
            assertEquals(200, ok.status(), ok.body());
            Answer show = api.get("/api/v1/webhooks/show");
            assertEquals(50, show.json().path("table").get(0).path("batch_max").asInt(), show.body());
            assertEquals(0, show.json().path("table").get(0).path("events").asInt(), show.body());
            assertEquals(
                    List.of(WebhookSpec.of("on_publish", fx.url("/n")).withBatchMax(50)),
                    WebhookFixture.api(broker).registrations());
        }
    }

    @Test
    void batchMaxIsKeptAcrossARestartAndABadOneInTheFileIsNamed() throws Exception {
        try (WebhookFixture fx = new WebhookFixture()) {
            WebhookSpec spec = WebhookSpec.of("on_message_drop", fx.url("/n"))
                    .withBatchMax(20)
                    .withSecret("k");
            try (TestBroker first = fx.broker(data)) {
                WebhookFixture.api(first).register(spec);
            }
            Path file = data.resolve("plugins/webhooks/registrations.json");
            assertTrue(Files.readString(file).contains("\"batch_max\" : 20"), Files.readString(file));
            try (TestBroker second = fx.broker(data)) {
                assertEquals(List.of(spec), WebhookFixture.api(second).registrations());
                assertEquals(20, WebhookFixture.api(second).show().get(0).get("batch_max"));
            }
            Files.writeString(file, Files.readString(file).replace("\"batch_max\" : 20", "\"batch_max\" : \"20\""));
            try (TestBroker third = fx.broker(data)) {
                String problem = WebhookFixture.status(third).problem();
                assertTrue(problem.contains("registration #1: batch_max must be a whole number, not \"20\""), problem);
            }
        }
    }
}
