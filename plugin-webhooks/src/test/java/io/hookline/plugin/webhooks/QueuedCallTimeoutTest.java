package io.hookline.plugin.webhooks;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.suback.Mqtt5SubAck;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.suback.Mqtt5SubAckReasonCode;
import io.hookline.broker.testsupport.Clients;
import io.hookline.broker.testsupport.TestBroker;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A call's deadline counts from when it was asked for, queued or not: with every connection of
 * the endpoint held by slow answers, the calls waiting in the endpoint's queue time out at their
 * own deadline (unsent), and the held calls end exactly once each, whether they are answered late
 * or time out first. Over both transports, against a server that holds its answers until told;
 * and end to end, where the queued call's timeout is what applies the hook's failure policy.
 */
class QueuedCallTimeoutTest {
    private final OkHttpClient http =
            new OkHttpClient.Builder().retryOnConnectionFailure(false).build();
    private final NettyHttpClient netty = new NettyHttpClient();
    private final NettyTransportTest.RawServer server;
    /** How many times each exchange the endpoint opened was ended (replied or failed). */
    private final List<AtomicInteger> ends = new CopyOnWriteArrayList<>();

    QueuedCallTimeoutTest() throws IOException {
        server = new NettyTransportTest.RawServer((connection, request) -> NettyTransportTest.RawServer.Action.HOLD);
    }

    @AfterEach
    void close() throws IOException {
        server.close();
        http.dispatcher().cancelAll();
        http.dispatcher().executorService().shutdown();
        http.connectionPool().evictAll();
        netty.close();
    }

    /** An endpoint whose exchanges count how often their end is reported. */
    private Endpoint endpoint(String client, int maxConcurrent) {
        String url = server.url();
        Transport wire = client.equals("netty") ? netty.endpoint(url, maxConcurrent) : new OkHttpTransport(http, url);
        Transport counted = (post, timeoutNanos) -> {
            Transport.Exchange x = wire.open(post, timeoutNanos);
            AtomicInteger ended = new AtomicInteger();
            ends.add(ended);
            return new Transport.Exchange() {
                @Override
                public void start(Transport.Callback callback) {
                    x.start(new Transport.Callback() {
                        @Override
                        public void replied(Endpoint.Reply reply) {
                            ended.incrementAndGet();
                            callback.replied(reply);
                        }

                        @Override
                        public void failed(Endpoint.CallFailure failure) {
                            ended.incrementAndGet();
                            callback.failed(failure);
                        }
                    });
                }

                @Override
                public void cancel() {
                    x.cancel();
                }
            };
        };
        return new Endpoint(url, counted, maxConcurrent, 10);
    }

    private static Transport.Post request() {
        return new Transport.Post(List.of("vernemq-hook", "auth_on_register"), "{}".getBytes(StandardCharsets.UTF_8));
    }

    private static Endpoint.CallFailure failure(CompletableFuture<Endpoint.Reply> call) {
        CompletionException e = assertThrows(CompletionException.class, call::join);
        return assertInstanceOf(Endpoint.CallFailure.class, e.getCause());
    }

    @ParameterizedTest
    @ValueSource(strings = {"okhttp", "netty"})
    void queuedCallsTimeOutUnsentWhileSlowAnswersHoldEveryConnection(String client) {
        Endpoint e = endpoint(client, 2);
        // both connections held for as long as the test wants: no slot frees meanwhile
        List<CompletableFuture<Endpoint.Reply>> slow =
                List.of(e.send(request(), Duration.ofSeconds(60)), e.send(request(), Duration.ofSeconds(60)));
        await().atMost(Duration.ofSeconds(10)).until(() -> server.held.get() == 2);
        List<CompletableFuture<Endpoint.Reply>> queued = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            queued.add(e.send(request(), Duration.ofMillis(300)));
        }
        assertEquals(3, e.queued());

        // without a deadline of their own they would wait for a slot, here for a minute
        await().atMost(Duration.ofSeconds(20)).until(() -> queued.stream().allMatch(CompletableFuture::isDone));
        for (CompletableFuture<Endpoint.Reply> q : queued) {
            Endpoint.CallFailure f = failure(q);
            assertTrue(f.isTimeout());
            assertEquals("timed out waiting for a free connection", f.getMessage());
        }
        assertTrue(slow.stream().noneMatch(CompletableFuture::isDone), "their answers are still held");
        assertEquals(0, e.queued());
        assertEquals(2, e.inFlight());
        assertEquals(2, server.requests.get(), "the queued calls were never sent");
        assertEquals(2, ends.size(), "no exchange was opened for a queued call");

        // the held answers come now, each to its own call
        server.release();
        for (CompletableFuture<Endpoint.Reply> s : slow) {
            assertEquals(200, s.join().status());
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> e.inFlight() == 0);
        assertEquals(2, server.requests.get());
        assertEquals(List.of(1, 1), ends.stream().map(AtomicInteger::get).toList(), "each call ended once");
    }

    @ParameterizedTest
    @ValueSource(strings = {"okhttp", "netty"})
    void aHeldCallThatTimedOutIgnoresItsLateAnswerAndItsSlotServesTheQueue(String client) {
        Endpoint e = endpoint(client, 1);
        CompletableFuture<Endpoint.Reply> impatient = e.send(request(), Duration.ofSeconds(2));
        await().atMost(Duration.ofSeconds(10)).until(() -> server.held.get() == 1);
        // queued until the impatient call times out (or started at once if it already has)
        CompletableFuture<Endpoint.Reply> queued = e.send(request(), Duration.ofSeconds(60));

        Endpoint.CallFailure f = failure(impatient);
        assertTrue(f.isTimeout(), f.getMessage());
        assertEquals("timed out", f.getMessage());
        // its slot went to the queued call, which is sent within the rest of its own budget
        await().atMost(Duration.ofSeconds(10)).until(() -> server.held.get() == 2);
        assertEquals(0, e.queued());
        assertFalse(queued.isDone());

        server.release(); // the timed-out call's answer comes too, on a connection given up
        assertEquals(200, queued.join().status());
        await().atMost(Duration.ofSeconds(10)).until(() -> e.inFlight() == 0);
        assertEquals(2, server.requests.get());
        assertEquals(List.of(1, 1), ends.stream().map(AtomicInteger::get).toList(), "each call ended once");
    }

    @Test
    void aQueuedHookCallTimesOutOnItsOwnAndTheHooksFailurePolicyApplies(@TempDir Path data) throws Exception {
        try (WebhookFixture fx = new WebhookFixture()) {
            // one connection to the endpoint, held by a subscribe check that may take a minute
            TestBroker broker = fx.broker(
                    data,
                    "webhooks.max_concurrency",
                    "1",
                    "webhooks.sub.hook",
                    "auth_on_subscribe",
                    "webhooks.sub.endpoint",
                    server.url(),
                    "webhooks.sub.response_timeout",
                    "60000",
                    "webhooks.pub.hook",
                    "auth_on_publish",
                    "webhooks.pub.endpoint",
                    server.url(),
                    "webhooks.pub.response_timeout",
                    "500",
                    "webhooks.pub.on_error",
                    "deny");
            Mqtt5BlockingClient sub = Clients.v5Connected(broker, "q-sub");
            CompletableFuture<Mqtt5SubAck> subAck = sub.toAsync()
                    .subscribeWith()
                    .topicFilter("q/t")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .send();
            await().atMost(Duration.ofSeconds(10)).until(() -> server.held.get() == 1);

            // the publish check waits in the endpoint's queue; at its 500 ms it fails there
            // and on_error = deny refuses the PUBLISH (not the engine's cut-off a little later)
            Mqtt5BlockingClient pub = Clients.v5Connected(broker, "q-pub");
            Mqtt5PubAckException refused = assertThrows(
                    Mqtt5PubAckException.class,
                    () -> pub.publishWith()
                            .topic("q/t")
                            .qos(MqttQos.AT_LEAST_ONCE)
                            .payload(Clients.bytes("m"))
                            .send());
            assertEquals(
                    Mqtt5PubAckReasonCode.NOT_AUTHORIZED,
                    refused.getMqttMessage().getReasonCode());
            Map<String, Object> row = WebhookFixture.api(broker).show().stream()
                    .filter(r -> r.get("name").equals("pub"))
                    .findFirst()
                    .orElseThrow();
            assertEquals(1L, row.get("timeouts"), row.toString());
            assertEquals(0L, row.get("cancelled"), row.toString());
            assertEquals(1, server.requests.get(), "the publish check was never sent");
            assertFalse(subAck.isDone());

            server.release();
            assertEquals(
                    List.of(Mqtt5SubAckReasonCode.GRANTED_QOS_1),
                    subAck.get(10, TimeUnit.SECONDS).getReasonCodes());
            pub.disconnect();
            sub.disconnect();
        }
    }
}
