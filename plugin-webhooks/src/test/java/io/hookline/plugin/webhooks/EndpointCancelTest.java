package io.hookline.plugin.webhooks;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Endpoint: cancelling a call frees its queue place or its slot exactly once, whenever it comes;
 * over either transport (OkHttp, Netty).
 */
class EndpointCancelTest {
    private final WebhookFixture fx = new WebhookFixture();
    private final OkHttpClient http =
            new OkHttpClient.Builder().retryOnConnectionFailure(false).build();
    private final NettyHttpClient netty = new NettyHttpClient();

    @AfterEach
    void close() {
        http.dispatcher().cancelAll();
        http.dispatcher().executorService().shutdown();
        http.connectionPool().evictAll();
        netty.close();
        fx.close();
    }

    private Endpoint endpoint(String client, String path, int maxConcurrent, int maxQueued) {
        return client.equals("netty")
                ? new Endpoint(fx.url(path), netty.endpoint(fx.url(path), maxConcurrent), maxConcurrent, maxQueued)
                : new Endpoint(fx.url(path), http, maxConcurrent, maxQueued);
    }

    private static Transport.Post request(String path) {
        return new Transport.Post(List.of("vernemq-hook", "test"), "{}".getBytes(StandardCharsets.UTF_8));
    }

    private int sent(String path) {
        return fx.http.findAll(postRequestedFor(urlPathEqualTo(path))).size();
    }

    @ParameterizedTest
    @ValueSource(strings = {"okhttp", "netty"})
    void aCancelledQueuedCallIsNeverSentAndACancelledCallInFlightFreesItsSlot(String client) {
        fx.http.stubFor(post(urlPathEqualTo("/slow"))
                .willReturn(aResponse().withStatus(200).withFixedDelay(20_000)));
        Endpoint e = endpoint(client, "/slow", 1, 10);
        CompletableFuture<Endpoint.Reply> first = e.send(request("/slow"), Duration.ofSeconds(60));
        CompletableFuture<Endpoint.Reply> second = e.send(request("/slow"), Duration.ofSeconds(60));
        assertEquals(1, e.inFlight());
        assertEquals(1, e.queued());

        second.cancel(false);
        assertEquals(0, e.queued(), "left the queue at once");
        assertEquals(1, e.inFlight());

        await().atMost(Duration.ofSeconds(5)).until(() -> sent("/slow") == 1);
        first.cancel(false);
        await().atMost(Duration.ofSeconds(5)).until(() -> e.inFlight() == 0);
        assertEquals(1, sent("/slow"), "the queued call was never sent");
    }

    @ParameterizedTest
    @ValueSource(strings = {"okhttp", "netty"})
    void cancelsRacingTheStartOfQueuedCallsReleaseEverySlotOnce(String client) {
        fx.http.stubFor(post(urlPathEqualTo("/fast"))
                .willReturn(aResponse().withStatus(200).withBody("{}")));
        Endpoint e = endpoint(client, "/fast", 2, 1_000);
        List<CompletableFuture<Endpoint.Reply>> calls = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            calls.add(e.send(request("/fast"), Duration.ofSeconds(30)));
        }
        // cancel every other call while finished calls hand their slots on (start and cancel race)
        for (int i = calls.size() - 1; i >= 0; i -= 2) {
            calls.get(i).cancel(false);
        }
        await().atMost(Duration.ofSeconds(20))
                .until(() ->
                        calls.stream().allMatch(CompletableFuture::isDone) && e.inFlight() == 0 && e.queued() == 0);
        long answered = calls.stream()
                .filter(c -> !c.isCancelled() && !c.isCompletedExceptionally())
                .count();
        long cancelled = calls.stream().filter(CompletableFuture::isCancelled).count();
        assertTrue(cancelled > 0);
        assertEquals(calls.size() - cancelled, answered, "every call not cancelled was answered");
        int sent = sent("/fast");
        assertTrue(sent <= answered + cancelled && sent >= answered, "sent " + sent);

        // the endpoint is whole: both slots serve new calls
        CompletableFuture<Endpoint.Reply> a = e.send(request("/fast"), Duration.ofSeconds(10));
        CompletableFuture<Endpoint.Reply> b = e.send(request("/fast"), Duration.ofSeconds(10));
        assertEquals(0, e.queued(), "two free slots, nothing queued");
        assertEquals(200, a.join().status());
        assertEquals(200, b.join().status());
        await().atMost(Duration.ofSeconds(5)).until(() -> e.inFlight() == 0);
    }
}
