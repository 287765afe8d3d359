package io.hookline.plugin.webhooks;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.matching;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.hivemq.client.mqtt.mqtt3.message.connect.connack.Mqtt3ConnAckReturnCode;
import io.hookline.api.hook.Hooks;
import io.hookline.broker.hooks.CallStats;
import io.hookline.broker.testsupport.AdminHttp;
import io.hookline.broker.testsupport.Clients;
import io.hookline.broker.testsupport.RawClient;
import io.hookline.broker.testsupport.TestBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Clients that leave while their auth_on_register webhook call is queued or in flight: the
 * queued request is never sent, the one in flight is aborted, the endpoint's only slot is free
 * again long before the endpoint would have answered, {@code webhooks show} counts the
 * cancellations (not as errors), and the next client is served through that one slot.
 */
class WebhookCancelTest {
    /**
     * How long the endpoint takes for "gone-*" clients: longer than the whole test may take, so
     * nothing here is served by that answer (no timing asserts: C's CONNACK through the one slot
     * can only come from the cancellation freeing it).
     */
    private static final int SLOW_MS = 600_000;
    /** The bound on each wait below, a tenth of SLOW_MS: a failure bound, not a speed target. */
    private static final Duration WAIT = Duration.ofSeconds(60);

    private static final String OK = "{\"result\":\"ok\"}";

    @TempDir
    Path data;

    @Test
    void queuedAndInFlightCallsOfClientsThatLeftAreDroppedAndFreeTheEndpoint() {
        try (WebhookFixture fx = new WebhookFixture()) {
            fx.http.stubFor(post(urlPathEqualTo("/auth"))
                    .atPriority(1)
                    .withRequestBody(matchingJsonPath("$.client_id", matching("gone-.*")))
                    .willReturn(aResponse().withStatus(200).withBody(OK).withFixedDelay(SLOW_MS)));
            fx.http.stubFor(post(urlPathEqualTo("/auth"))
                    .atPriority(5)
                    .willReturn(aResponse().withStatus(200).withBody(OK)));
            TestBroker broker = fx.broker(
                    data,
                    "listener.http.default",
                    "127.0.0.1:0",
                    "webhooks.auth.hook",
                    "auth_on_register",
                    "webhooks.auth.endpoint",
                    fx.url("/auth"),
                    "webhooks.auth.response_timeout",
                    Integer.toString(2 * SLOW_MS),
                    "webhooks.max_concurrency",
                    "1");
            Webhooks api = WebhookFixture.api(broker);

            // A's call takes the endpoint's only slot; B's waits in the queue behind it
            RawClient a = RawClient.open(broker, 4);
            a.send(RawClient.connect(4, "gone-a"));
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> fx.requests("auth_on_register").size() == 1);
            RawClient b = RawClient.open(broker, 4);
            b.send(RawClient.connect(4, "gone-b"));
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> row(api).get("queued").equals(1));

            // B leaves while queued: out of the queue, never sent
            b.close();
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> row(api).get("cancelled").equals(1L)
                            && row(api).get("queued").equals(0));
            assertEquals(1, row(api).get("in_flight"), "A still holds the slot");

            // A leaves while its call is in flight: aborted, the slot is free again
            a.abort();
            await().atMost(WAIT)
                    .until(() -> row(api).get("in_flight").equals(0)
                            && row(api).get("cancelled").equals(2L));

            // C gets its CONNACK through the same endpoint (one slot), which A's call would hold
            // for SLOW_MS had it not been aborted
            var c = Clients.v3(broker, "c-alive").toAsync();
            assertEquals(
                    Mqtt3ConnAckReturnCode.SUCCESS,
                    c.connect()
                            .orTimeout(WAIT.toSeconds(), TimeUnit.SECONDS)
                            .join()
                            .getReturnCode(),
                    "C is accepted");
            c.disconnect().join();

            List<String> sent = fx.bodies("auth_on_register").stream()
                    .map(n -> n.path("client_id").asText())
                    .toList();
            assertEquals(List.of("gone-a", "c-alive"), sent, "B's request was never sent");

            // webhooks show over the management API: cancellations next to calls and errors
            AdminHttp admin = new AdminHttp(broker.httpPort(), AdminHttp.adminKey(data));
            JsonNode shown =
                    admin.get("/api/v1/webhooks/show").json().path("table").get(0);
            assertEquals(3, shown.path("calls").asInt());
            assertEquals(2, shown.path("cancelled").asInt());
            assertEquals(0, shown.path("errors").asInt());
            assertEquals(0, shown.path("timeouts").asInt());
            assertEquals(0, shown.path("in_flight").asInt());

            // the engine counts them the same way
            CallStats chain = broker.broker().hooks().engine().stats(Hooks.AUTH_ON_REGISTER);
            assertEquals(2, chain.cancelled());
            assertEquals(0, chain.errors());
            assertEquals(0, chain.timeouts());
            assertEquals(0, chain.denials());
        }
    }

    @Test
    void aCallThatAnswersBeforeTheClientLeavesIsNotCancelled() {
        try (WebhookFixture fx = new WebhookFixture()) {
            fx.answer("/auth", OK);
            TestBroker broker = fx.broker(
                    data,
                    "webhooks.auth.hook",
                    "auth_on_register",
                    "webhooks.auth.endpoint",
                    fx.url("/auth"),
                    "webhooks.max_concurrency",
                    "1");
            try (RawClient r = RawClient.connected(broker, 4, "quick")) {
                r.send(RawClient.disconnect());
            }
            Clients.v3Connected(broker, "quick-2").disconnect();
            Map<String, Object> row = row(WebhookFixture.api(broker));
            assertEquals(2L, row.get("calls"));
            assertEquals(0L, row.get("cancelled"));
            assertEquals(0L, row.get("errors"));
            assertEquals(
                    0L,
                    broker.broker()
                            .hooks()
                            .engine()
                            .stats(Hooks.AUTH_ON_REGISTER)
                            .cancelled());
        }
    }

    private static Map<String, Object> row(Webhooks api) {
        return api.show().get(0);
    }
}
