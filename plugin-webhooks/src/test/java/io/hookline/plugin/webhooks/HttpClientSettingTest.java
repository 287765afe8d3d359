package io.hookline.plugin.webhooks;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt3.exceptions.Mqtt3SubAckException;
import io.hookline.broker.hooks.plugins.PluginRegistry;
import io.hookline.broker.testsupport.Clients;
import io.hookline.broker.testsupport.TestBroker;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** webhooks.http_client: either client serves an http:// webhook; anything else is refused by name. */
class HttpClientSettingTest {
    @TempDir
    Path data;

    @ParameterizedTest
    @ValueSource(strings = {"netty", "okhttp", " OkHttp "})
    void eitherClientAsksTheEndpointAndAppliesItsAnswer(String client) throws Exception {
        try (WebhookFixture fx = new WebhookFixture()) {
            fx.answer("/ok", "{\"result\":\"ok\"}");
            fx.http.stubFor(post(urlPathEqualTo("/ok"))
                    .withRequestBody(containing("denied/"))
                    .atPriority(1)
                    .willReturn(aResponse()
                            .withStatus(200)
                            .withHeader("content-type", "application/json")
                            .withBody("{\"result\":{\"error\":\"not_allowed\"}}")));
            TestBroker broker = fx.broker(
                    data,
                    "webhooks.http_client",
                    client,
                    "webhooks.pub.hook",
                    "auth_on_publish",
                    "webhooks.pub.endpoint",
                    fx.url("/ok"),
                    "webhooks.sub.hook",
                    "auth_on_subscribe",
                    "webhooks.sub.endpoint",
                    fx.url("/ok"));
            Mqtt3BlockingClient c = Clients.v3Connected(broker, "client-" + client.trim());
            assertThrows(
                    Mqtt3SubAckException.class,
                    () -> c.subscribeWith().topicFilter("denied/t").send(),
                    "the endpoint refused this subscription");
            try (var in = c.publishes(MqttGlobalPublishFilter.ALL)) {
                // the flow before the SUBSCRIBE: the client registers it on its own loop, and a message that
                // comes first is dropped ("No publish flow registered")
                c.subscribeWith().topicFilter("t").qos(MqttQos.AT_LEAST_ONCE).send();
                c.publishWith()
                        .topic("t")
                        .qos(MqttQos.AT_LEAST_ONCE)
                        .payload(Clients.bytes("m"))
                        .send();
                var got = in.receive(10, TimeUnit.SECONDS).orElseThrow();
                assertEquals("m", Clients.text(got.getPayloadAsBytes()), "the endpoint allowed the publish");
            }
            assertEquals(1, fx.requests("auth_on_publish").size());
            assertEquals(2, fx.requests("auth_on_subscribe").size());
            assertEquals(
                    0L,
                    WebhookFixture.api(broker).show().stream()
                            .mapToLong(r -> ((Number) r.get("errors")).longValue())
                            .sum());
        }
    }

    @Test
    void anUnknownClientStopsThePluginNamingTheKeyAndTheChoices() {
        try (WebhookFixture fx = new WebhookFixture();
                TestBroker b = fx.broker(
                        data,
                        "webhooks.http_client",
                        "curl",
                        "webhooks.w.hook",
                        "auth_on_publish",
                        "webhooks.w.endpoint",
                        fx.url("/w"))) {
            PluginRegistry.Status s = WebhookFixture.status(b);
            assertEquals(PluginRegistry.State.FAILED, s.state());
            assertTrue(s.problem().contains("webhooks.http_client must be netty or okhttp, not 'curl'"), s.problem());
            assertThrows(IllegalStateException.class, () -> WebhookFixture.api(b));
        }
    }
}
