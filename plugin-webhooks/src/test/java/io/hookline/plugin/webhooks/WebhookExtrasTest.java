package io.hookline.plugin.webhooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import io.hookline.broker.testsupport.Clients;
import io.hookline.broker.testsupport.TestBroker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** HMAC signature, custom headers and topic filters, configured in broker.conf. */
class WebhookExtrasTest {
    @TempDir
    static Path data;

    static WebhookFixture fx;
    static TestBroker broker;

    @BeforeAll
    static void start() {
        fx = new WebhookFixture();
        fx.answer("/ok", "{\"result\":\"ok\"}");
        fx.answer("/filtered", "{\"result\":\"ok\"}");
        broker = fx.broker(
                data,
                "webhooks.signed.hook",
                "auth_on_register",
                "webhooks.signed.endpoint",
                fx.url("/ok"),
                "webhooks.signed.secret",
                "s3cret key",
                "webhooks.signed.headers",
                "Authorization: Bearer abc; X-Tenant: acme",
                "webhooks.filtered.hook",
                "auth_on_publish",
                "webhooks.filtered.endpoint",
                fx.url("/filtered"),
                "webhooks.filtered.topic_filter",
                "only/#, also/+/x",
                // a skipped topic is a "next" from the filtered webhook: this one decides the rest
                "webhooks.rest.hook",
                "auth_on_publish",
                "webhooks.rest.endpoint",
                fx.url("/ok"),
                "webhooks.rest.priority",
                "2000");
    }

    @AfterAll
    static void stop() {
        fx.close();
    }

    @Test
    void requestsAreSignedWithHmacSha256OverTheBodyAndCarryCustomHeaders() throws Exception {
        Clients.v3Connected(broker, "signed").disconnect();
        LoggedRequest r = fx.requests("auth_on_register").get(0);
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec("s3cret key".getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        String expected = "sha256=" + HexFormat.of().formatHex(mac.doFinal(r.getBody()));
        assertEquals(expected, r.getHeader("x-hookline-signature"));
        assertEquals("Bearer abc", r.getHeader("Authorization"));
        assertEquals("acme", r.getHeader("X-Tenant"));
    }

    @Test
    void topicFilterLimitsWhichPublishesAreSent() {
        Mqtt3BlockingClient c = Clients.v3Connected(broker, "filtered");
        for (String t : List.of("other/x", "only/a/b", "also/1/x", "also/1/y")) {
            c.publishWith()
                    .topic(t)
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload(Clients.bytes("p"))
                    .send();
        }
        c.disconnect();
        List<String> topics = fx.requests("auth_on_publish").stream()
                .filter(r -> r.getUrl().equals("/filtered"))
                .map(r -> r.getBodyAsString().replaceAll(".*\"topic\":\"([^\"]*)\".*", "$1"))
                .toList();
        assertEquals(List.of("only/a/b", "also/1/x"), topics);
    }

    @Test
    void topicFilterOnANonMessageHookIsRefused() {
        var e = assertThrows(
                IllegalArgumentException.class,
                () -> WebhookSpec.of("auth_on_register", fx.url("/ok")).withTopicFilters(List.of("a/#")));
        assertEquals("topic_filter applies only to message hooks, not to auth_on_register", e.getMessage());
        var h = assertThrows(IllegalArgumentException.class, () -> WebhookSpec.parseHeaders("no colon here"));
        assertEquals("header 'no colon here' is not 'Name: value'", h.getMessage());
        assertEquals(Map.of("A", "b: c"), WebhookSpec.parseHeaders("A: b: c"));
    }
}
