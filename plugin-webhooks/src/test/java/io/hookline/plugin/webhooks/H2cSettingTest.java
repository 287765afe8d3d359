package io.hookline.plugin.webhooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import io.hookline.broker.hooks.plugins.PluginRegistry;
import io.hookline.broker.testsupport.AdminHttp;
import io.hookline.broker.testsupport.AdminHttp.Answer;
import io.hookline.broker.testsupport.Clients;
import io.hookline.broker.testsupport.TestBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * webhooks.NAME.h2c: HTTP/2 with prior knowledge per webhook, against WireMock (Jetty speaks h2c
 * on its plain port); accepted, used, shown and kept, or refused by name.
 */
class H2cSettingTest {
    @TempDir
    Path data;

    @Test
    void anH2cWebhookIsCalledOverHttp2AndAnotherOnTheSameEndpointStaysOnHttp1() throws Exception {
        try (WebhookFixture fx = new WebhookFixture()) {
            fx.answer("/auth", "{\"result\":\"ok\"}");
            TestBroker broker = fx.broker(
                    data,
                    "webhooks.pub.hook",
                    "auth_on_publish",
                    "webhooks.pub.endpoint",
                    fx.url("/auth"),
                    "webhooks.pub.h2c",
                    "on",
                    "webhooks.sub.hook",
                    "auth_on_subscribe",
                    "webhooks.sub.endpoint",
                    fx.url("/auth"));
            Mqtt3BlockingClient sub = Clients.v3Connected(broker, "h2c-sub");
            Mqtt3BlockingClient pub = Clients.v3Connected(broker, "h2c-pub");
            try (var in = sub.publishes(MqttGlobalPublishFilter.ALL)) {
                // the flow before the SUBSCRIBE: the client registers it on its own loop, and a message that
                // comes first is dropped ("No publish flow registered")
                sub.subscribeWith()
                        .topicFilter("h2c/t")
                        .qos(MqttQos.AT_LEAST_ONCE)
                        .send();
                pub.publishWith()
                        .topic("h2c/t")
                        .qos(MqttQos.AT_LEAST_ONCE)
                        .payload(Clients.bytes("m"))
                        .send();
                var got = in.receive(5, TimeUnit.SECONDS).orElseThrow();
                assertEquals("m", Clients.text(got.getPayloadAsBytes()));
            }
            List<LoggedRequest> publishes = fx.requests("auth_on_publish");
            assertEquals(1, publishes.size());
            assertEquals("HTTP/2.0", publishes.get(0).getProtocol());
            assertEquals("HTTP/1.1", fx.requests("auth_on_subscribe").get(0).getProtocol());
            assertEquals(true, WebhookFixture.api(broker).show().get(0).get("h2c"));
            assertEquals(false, WebhookFixture.api(broker).show().get(1).get("h2c"));
        }
    }

    @Test
    void h2cOnAnHttpsEndpointStopsThePluginNamingTheKey() {
        try (WebhookFixture fx = new WebhookFixture();
                TestBroker b = fx.broker(
                        data,
                        "webhooks.good.hook",
                        "on_publish",
                        "webhooks.good.endpoint",
                        fx.url("/n"),
                        "webhooks.w.hook",
                        "auth_on_publish",
                        "webhooks.w.endpoint",
                        "https://127.0.0.1:1/x",
                        "webhooks.w.h2c",
                        "on")) {
            PluginRegistry.Status s = WebhookFixture.status(b);
            assertEquals(PluginRegistry.State.FAILED, s.state());
            assertTrue(
                    s.problem()
                            .contains("webhooks.w.h2c applies only to http:// endpoints, not to https://127.0.0.1:1/x"),
                    s.problem());
            assertThrows(IllegalStateException.class, () -> WebhookFixture.api(b));
        }
    }

    @Test
    void adminRegisterTakesH2cKeepsItAcrossARestartAndABadOneInTheFileIsNamed() throws Exception {
        try (WebhookFixture fx = new WebhookFixture()) {
            fx.answer("/auth", "{\"result\":\"ok\"}");
            try (TestBroker first = fx.broker(data, "listener.http.default", "127.0.0.1:0")) {
                AdminHttp api = new AdminHttp(first.httpPort(), AdminHttp.adminKey(data));
                Answer refused = api.postJson(
                        "/api/v1/webhooks/register",
                        "{\"hook\":\"auth_on_publish\",\"endpoint\":\"https://127.0.0.1:1/x\",\"--h2c\":\"true\"}");
                assertEquals(400, refused.status(), refused.body());
                assertTrue(refused.error().startsWith("h2c applies only to http:// endpoints"), refused.error());
                assertEquals(List.of(), WebhookFixture.api(first).registrations(), "nothing half-registered");
                Answer ok = api.postJson(
                        "/api/v1/webhooks/register",
                        "{\"hook\":\"auth_on_publish\",\"endpoint\":\"" + fx.url("/auth") + "\",\"--h2c\":\"true\"}");
                assertEquals(200, ok.status(), ok.body());
                assertTrue(api.get("/api/v1/webhooks/show")
                        .json()
                        .path("table")
                        .get(0)
                        .path("h2c")
                        .asBoolean());
            }
            Path file = data.resolve("plugins/webhooks/registrations.json");
            assertTrue(Files.readString(file).contains("\"h2c\" : true"), Files.readString(file));
            try (TestBroker second = fx.broker(data)) {
                assertEquals(
                        List.of(WebhookSpec.of("auth_on_publish", fx.url("/auth"))
                                .withH2c(true)),
                        WebhookFixture.api(second).registrations());
            }
            Files.writeString(file, Files.readString(file).replace("\"h2c\" : true", "\"h2c\" : \"yes\""));
            try (TestBroker third = fx.broker(data)) {
                String problem = WebhookFixture.status(third).problem();
                assertTrue(problem.contains("registration #1: h2c must be true or false, not \"yes\""), problem);
                assertEquals(
                        PluginRegistry.State.FAILED,
                        WebhookFixture.status(third).state(),
                        problem);
            }
        }
    }
}
