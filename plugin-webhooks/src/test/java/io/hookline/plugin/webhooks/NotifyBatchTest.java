package io.hookline.plugin.webhooks;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import io.hookline.broker.testsupport.Clients;
import io.hookline.broker.testsupport.TestBroker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** NOTIFY webhooks with batch_max: fewer requests under load, each event once, in order, signed, failures counted. */
class NotifyBatchTest {
    @TempDir
    Path data;

    @Test
    void aBusyClientsEventsGoInFewerRequestsEachOnceInOrderAsArraysOfThePlainBodies() {
        try (WebhookFixture fx = new WebhookFixture()) {
            // the delay lets events queue behind the request in flight: that is what gets batched
            fx.http.stubFor(post(urlPathEqualTo("/batch"))
                    .willReturn(aResponse().withStatus(200).withFixedDelay(40)));
            fx.http.stubFor(
                    post(urlPathEqualTo("/plain")).willReturn(aResponse().withStatus(200)));
            TestBroker broker = fx.broker(
                    data,
                    "webhooks.batched.hook",
                    "on_publish",
                    "webhooks.batched.endpoint",
                    fx.url("/batch"),
                    "webhooks.batched.batch_max",
                    "50",
                    "webhooks.plain.hook",
                    "on_publish",
                    "webhooks.plain.endpoint",
                    fx.url("/plain"));
            Mqtt3BlockingClient c = Clients.v3Connected(broker, "bulk");
            List<String> sent = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                sent.add("m" + i);
                c.publishWith()
                        .topic("load/" + (i % 3))
                        .qos(MqttQos.AT_LEAST_ONCE)
                        .payload(Clients.bytes("m" + i))
                        .send();
            }
            c.disconnect();
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> events(fx, "/batch").size() == 200
                            && fx.http
                                            .findAll(postRequestedFor(urlPathEqualTo("/plain")))
                                            .size()
                                    == 200);

            List<LoggedRequest> requests = fx.http.findAll(postRequestedFor(urlPathEqualTo("/batch")));
            assertTrue(requests.size() < 200 && requests.size() > 1, requests.size() + " requests for 200 events");
            for (LoggedRequest r : requests) {
                JsonNode body = json(r);
                assertTrue(body.isArray() && body.size() >= 1 && body.size() <= 50, r.getBodyAsString());
                assertEquals(Integer.toString(body.size()), r.getHeader("hookline-batch-size"));
                assertEquals("on_publish", r.getHeader("vernemq-hook"));
                assertEquals("on_publish", r.getHeader("hookline-hook"));
                assertTrue(r.getHeader("Content-Type").startsWith("application/json"), r.getHeader("Content-Type"));
            }
            List<JsonNode> batched = events(fx, "/batch");
            assertEquals(sent, batched.stream().map(NotifyBatchTest::payload).toList(), "each event once, in order");
            // element for element the body an unbatched webhook gets for the same event
            List<JsonNode> plain = fx.http.findAll(postRequestedFor(urlPathEqualTo("/plain"))).stream()
                    .map(NotifyBatchTest::json)
                    .toList();
            assertEquals(plain, batched);
            assertEquals("bulk", batched.get(7).get("client_id").asText());
            assertEquals("load/1", batched.get(7).get("topic").asText());

            Map<String, Object> row = row(broker, "/batch", fx);
            assertEquals(50, row.get("batch_max"));
            assertEquals((long) requests.size(), row.get("calls"));
            assertEquals(200L, row.get("events"));
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> row(broker, "/batch", fx).get("delivered").equals(200L));
            assertEquals(0L, row.get("errors"));
            Map<String, Object> plainRow = row(broker, "/plain", fx);
            assertEquals("", plainRow.get("batch_max"));
            assertEquals(200L, plainRow.get("calls"));
            assertEquals(200L, plainRow.get("events"));
        }
    }

    @Test
    void anEventOnAnIdleLaneGoesOutAtOnceAsABatchOfOne() {
        try (WebhookFixture fx = new WebhookFixture()) {
            fx.http.stubFor(
                    post(urlPathEqualTo("/batch")).willReturn(aResponse().withStatus(200)));
            TestBroker broker = fx.broker(
                    data,
                    "webhooks.b.hook",
                    "on_register",
                    "webhooks.b.endpoint",
                    fx.url("/batch"),
                    "webhooks.b.batch_max",
                    "100");
            Clients.v3Connected(broker, "lonely").disconnect();
            // no linger: nothing waits for more events to fill the batch (NotifyLanesTest shows the
            // send starts inside offer); the bound here only allows for a loaded test machine
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> fx.requests("on_register").size() == 1);
            LoggedRequest r = fx.requests("on_register").get(0);
            assertEquals("1", r.getHeader("hookline-batch-size"));
            JsonNode body = json(r);
            assertEquals(1, body.size());
            assertEquals("lonely", body.get(0).get("client_id").asText());
            assertEquals("", body.get(0).get("mountpoint").asText());
            assertTrue(body.get(0).get("username").isNull());
        }
    }

    @Test
    void theSignatureCoversTheArrayHeadersApplyAndTopicFiltersPickEventsBeforeBatching() throws Exception {
        try (WebhookFixture fx = new WebhookFixture()) {
            fx.http.stubFor(post(urlPathEqualTo("/batch"))
                    .willReturn(aResponse().withStatus(200).withFixedDelay(30)));
            TestBroker broker = fx.broker(
                    data,
                    "webhooks.s.hook",
                    "on_publish",
                    "webhooks.s.endpoint",
                    fx.url("/batch"),
                    "webhooks.s.batch_max",
                    "8",
                    "webhooks.s.secret",
                    "batch key",
                    "webhooks.s.headers",
                    "Authorization: Bearer abc",
                    "webhooks.s.topic_filter",
                    "keep/#",
                    "webhooks.s.base64payload",
                    "off");
            Mqtt3BlockingClient c = Clients.v3Connected(broker, "mixed");
            List<String> kept = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                String topic = (i % 2 == 0 ? "keep/" : "drop/") + i;
                if (i % 2 == 0) {
                    kept.add(topic);
                }
                c.publishWith()
                        .topic(topic)
                        .qos(MqttQos.AT_LEAST_ONCE)
                        .payload(Clients.bytes("p" + i))
                        .send();
            }
            c.disconnect();
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> events(fx, "/batch").size() == 20);
            assertEquals(
                    kept,
                    events(fx, "/batch").stream()
                            .map(e -> e.get("topic").asText())
                            .toList());
            assertEquals("p0", events(fx, "/batch").get(0).get("payload").asText(), "base64payload = off applies");
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec("batch key".getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            for (LoggedRequest r : fx.http.findAll(postRequestedFor(urlPathEqualTo("/batch")))) {
                assertEquals(
                        "sha256=" + HexFormat.of().formatHex(mac.doFinal(r.getBody())),
                        r.getHeader("x-hookline-signature"));
                assertEquals("Bearer abc", r.getHeader("Authorization"));
            }
        }
    }

    @Test
    void aFailedBatchCountsEachOfItsEventsAndTheLaterBatchesStillGo() {
        try (WebhookFixture fx = new WebhookFixture()) {
            // 1st request slow (the next events queue), 2nd answered 503, the rest 200
            fx.http.stubFor(post(urlPathEqualTo("/flaky"))
                    .inScenario("flaky")
                    .whenScenarioStateIs(Scenario.STARTED)
                    .willReturn(aResponse().withStatus(200).withFixedDelay(300))
                    .willSetStateTo("fail"));
            fx.http.stubFor(post(urlPathEqualTo("/flaky"))
                    .inScenario("flaky")
                    .whenScenarioStateIs("fail")
                    .willReturn(aResponse().withStatus(503).withFixedDelay(50))
                    .willSetStateTo("ok"));
            fx.http.stubFor(post(urlPathEqualTo("/flaky"))
                    .inScenario("flaky")
                    .whenScenarioStateIs("ok")
                    .willReturn(aResponse().withStatus(200)));
            TestBroker broker = fx.broker(
                    data,
                    "webhooks.f.hook",
                    "on_publish",
                    "webhooks.f.endpoint",
                    fx.url("/flaky"),
                    "webhooks.f.batch_max",
                    "10",
                    "webhooks.f.base64payload",
                    "off");
            Mqtt3BlockingClient c = Clients.v3Connected(broker, "unlucky");
            List<String> sent = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                sent.add("m" + i);
                c.publishWith()
                        .topic("f")
                        .qos(MqttQos.AT_LEAST_ONCE)
                        .payload(Clients.bytes("m" + i))
                        .send();
            }
            c.disconnect();
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> events(fx, "/flaky").size() == 30);
            List<LoggedRequest> requests = fx.http.findAll(postRequestedFor(urlPathEqualTo("/flaky")));
            int failed = json(requests.get(1)).size();
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> (long) row(broker, "/flaky", fx).get("errors") == failed);
            Map<String, Object> row = row(broker, "/flaky", fx);
            assertEquals(30L, row.get("events"));
            assertEquals(30L - failed, row.get("delivered"));
            assertEquals((long) requests.size(), row.get("calls"));
            assertEquals(0L, row.get("timeouts"));
            assertEquals(0, row.get("backlog"));
            assertEquals(
                    sent,
                    events(fx, "/flaky").stream()
                            .map(e -> e.get("payload").asText())
                            .toList(),
                    "nothing resent, nothing overtaken");
        }
    }

    @Test
    void timedOutBatchesCountEveryEventAsATimeoutAndDoNotStallTheLane() {
        try (WebhookFixture fx = new WebhookFixture()) {
            fx.http.stubFor(post(urlPathEqualTo("/slow"))
                    .willReturn(aResponse().withStatus(200).withFixedDelay(3000)));
            TestBroker broker = fx.broker(
                    data,
                    "webhooks.t.hook",
                    "on_publish",
                    "webhooks.t.endpoint",
                    fx.url("/slow"),
                    "webhooks.t.batch_max",
                    "10",
                    "webhooks.t.response_timeout",
                    "200");
            Mqtt3BlockingClient c = Clients.v3Connected(broker, "patient");
            for (int i = 0; i < 25; i++) {
                c.publishWith()
                        .topic("t")
                        .qos(MqttQos.AT_LEAST_ONCE)
                        .payload(Clients.bytes("x"))
                        .send();
            }
            c.disconnect();
            await().atMost(Duration.ofSeconds(15))
                    .until(() -> (long) row(broker, "/slow", fx).get("errors") == 25L);
            Map<String, Object> row = row(broker, "/slow", fx);
            assertEquals(25L, row.get("timeouts"));
            assertEquals(25L, row.get("events"));
            assertEquals(0L, row.get("delivered"));
            assertEquals(0, row.get("backlog"));
            assertEquals(0L, row.get("dropped"));
        }
    }

    private static Map<String, Object> row(TestBroker broker, String path, WebhookFixture fx) {
        return WebhookFixture.api(broker).show().stream()
                .filter(r -> r.get("endpoint").equals(fx.url(path)))
                .findFirst()
                .orElseThrow();
    }

    /** Every event POSTed to {@code path}, batches flattened, in arrival order. */
    private static List<JsonNode> events(WebhookFixture fx, String path) {
        List<JsonNode> out = new ArrayList<>();
        for (LoggedRequest r : fx.http.findAll(postRequestedFor(urlPathEqualTo(path)))) {
            json(r).forEach(out::add);
        }
        return out;
    }

    private static JsonNode json(LoggedRequest r) {
        try {
            return WebhookFixture.JSON.readTree(r.getBody());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String payload(JsonNode event) {
        return new String(Base64.getDecoder().decode(event.get("payload").asText()), StandardCharsets.UTF_8);
    }
}
