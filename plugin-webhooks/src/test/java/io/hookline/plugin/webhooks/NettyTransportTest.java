package io.hookline.plugin.webhooks;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The Netty HTTP/1.1 transport on its own: what is sent, keep-alive reuse, the time budget, the
 * body cap, unreachable endpoints, and a pooled connection the endpoint closed (retried once).
 */
class NettyTransportTest {
    private final NettyHttpClient netty = new NettyHttpClient();
    private WebhookFixture fx;
    private RawServer raw;

    @AfterEach
    void close() throws IOException {
        netty.close();
        if (fx != null) {
            fx.close();
        }
        if (raw != null) {
            raw.close();
        }
    }

    private Endpoint endpoint(String url, int maxConcurrent) {
        return new Endpoint(url, netty.endpoint(url, maxConcurrent), maxConcurrent, 100);
    }

    private static Transport.Post request(String body, String... headers) {
        return new Transport.Post(List.of(headers), body.getBytes(StandardCharsets.UTF_8));
    }

    private static Endpoint.CallFailure failure(CompletableFuture<Endpoint.Reply> call) {
        CompletionException e = assertThrows(CompletionException.class, call::join);
        return assertInstanceOf(Endpoint.CallFailure.class, e.getCause());
    }

    @Test
    void postsTheBodyAndHeadersAndReadsStatusHeadersAndBody() {
        fx = new WebhookFixture();
        fx.http.stubFor(post(urlPathEqualTo("/hook"))
                .willReturn(aResponse()
                        .withStatus(200)
                        .withHeader("cache-control", "max-age=30")
                        .withHeader(AuthCache.CACHE_ERRORS_HEADER, "true")
                        .withBody("{\"result\":\"ok\"}")));
        Endpoint e = endpoint(fx.url("/hook?x=1"), 4);
        Endpoint.Reply r = e.send(request("{\"a\":1}", "vernemq-hook", "auth_on_publish"), Duration.ofSeconds(10))
                .join();
        assertEquals(200, r.status());
        assertEquals("max-age=30", r.cacheControl());
        assertEquals("true", r.cacheErrors());
        assertArrayEquals("{\"result\":\"ok\"}".getBytes(StandardCharsets.UTF_8), r.body());
        var sent = fx.http.findAll(postRequestedFor(urlPathEqualTo("/hook"))
                .withQueryParam("x", equalTo("1"))
                .withHeader("vernemq-hook", equalTo("auth_on_publish")));
        assertEquals(1, sent.size());
        assertEquals("{\"a\":1}", sent.get(0).getBodyAsString());
        assertTrue(sent.get(0).getHeader("Content-Type").startsWith("application/json"));
        assertEquals("127.0.0.1:" + fx.http.port(), sent.get(0).getHeader("Host"));
        await().atMost(Duration.ofSeconds(5)).until(() -> e.inFlight() == 0);
    }

    @Test
    void callsOneAfterAnotherShareOneKeepAliveConnection() throws IOException {
        raw = new RawServer((connection, request) -> RawServer.Action.ANSWER);
        Endpoint e = endpoint(raw.url(), 4);
        for (int i = 0; i < 5; i++) {
            assertEquals(
                    200, e.send(request("{}"), Duration.ofSeconds(10)).join().status());
        }
        assertEquals(1, raw.connections.get(), "one connection for five calls in turn");
        assertEquals(5, raw.requests.get());
    }

    @Test
    void aPooledConnectionTheEndpointDropsIsRetriedOnceOnANewOne() throws IOException {
        // every connection answers its first request and drops the second unanswered
        raw = new RawServer((connection, request) -> request == 1 ? RawServer.Action.ANSWER : RawServer.Action.DROP);
        Endpoint e = endpoint(raw.url(), 1);
        assertEquals(200, e.send(request("{}"), Duration.ofSeconds(10)).join().status());
        assertEquals(200, e.send(request("{}"), Duration.ofSeconds(10)).join().status(), "retried");
        assertEquals(2, raw.connections.get());
        assertEquals(3, raw.requests.get());
    }

    @Test
    void aConnectionThatFailsAgainOnTheRetryFailsTheCallWithoutATimeout() throws IOException {
        raw = new RawServer((connection, request) -> RawServer.Action.DROP);
        Endpoint e = endpoint(raw.url(), 1);
        Endpoint.CallFailure f = failure(e.send(request("{}"), Duration.ofSeconds(30)));
        assertFalse(f.isTimeout());
        assertTrue(f.getMessage().startsWith("unreachable: "), f.getMessage());
        assertEquals(2, raw.requests.get(), "sent once, retried once");
        await().atMost(Duration.ofSeconds(5)).until(() -> e.inFlight() == 0);
    }

    @Test
    void aGarbledAnswerFailsTheCall() throws IOException {
        raw = new RawServer((connection, request) -> RawServer.Action.GARBAGE);
        Endpoint e = endpoint(raw.url(), 1);
        Endpoint.CallFailure f = failure(e.send(request("{}"), Duration.ofSeconds(30)));
        assertFalse(f.isTimeout());
        assertTrue(f.getMessage().contains("malformed response"), f.getMessage());
    }

    @Test
    void aSlowEndpointTimesOutAndItsSlotGoesToTheNextCall() {
        fx = new WebhookFixture();
        fx.http.stubFor(post(urlPathEqualTo("/slow"))
                .willReturn(aResponse().withStatus(200).withBody("{}").withFixedDelay(5_000)));
        Endpoint e = endpoint(fx.url("/slow"), 1);
        CompletableFuture<Endpoint.Reply> first = e.send(request("{}"), Duration.ofMillis(300));
        CompletableFuture<Endpoint.Reply> second = e.send(request("{}"), Duration.ofMillis(600));
        Endpoint.CallFailure f = failure(first);
        assertTrue(f.isTimeout());
        assertEquals("timed out", f.getMessage());
        assertTrue(failure(second).isTimeout(), "the queued call still counts against its own budget");
        await().atMost(Duration.ofSeconds(5)).until(() -> e.inFlight() == 0 && e.queued() == 0);
    }

    @Test
    void anAnswerOverTheCapFailsTheCall() {
        fx = new WebhookFixture();
        fx.http.stubFor(post(urlPathEqualTo("/big"))
                .willReturn(aResponse().withStatus(200).withBody(new byte[Endpoint.MAX_BODY + 1])));
        Endpoint e = endpoint(fx.url("/big"), 1);
        Endpoint.CallFailure f = failure(e.send(request("{}"), Duration.ofSeconds(10)));
        assertFalse(f.isTimeout());
        assertEquals("reading the response failed: response body over " + Endpoint.MAX_BODY + " bytes", f.getMessage());
    }

    @Test
    void aClosedPortIsUnreachableAtOnce() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Endpoint e = endpoint("http://127.0.0.1:" + port + "/x", 1);
        Endpoint.CallFailure f = failure(e.send(request("{}"), Duration.ofSeconds(30)));
        assertFalse(f.isTimeout());
        assertTrue(f.getMessage().startsWith("unreachable: "), f.getMessage());
    }

    @Test
    void aCallStartedOnAnEventLoopRunsOnThatLoopWithItsOwnConnections() throws Exception {
        raw = new RawServer((connection, request) -> RawServer.Action.ANSWER);
        Endpoint e = endpoint(raw.url(), 4);
        EventLoopGroup broker = new NioEventLoopGroup(1, new DefaultThreadFactory("broker-loop"));
        try {
            for (int i = 0; i < 2; i++) {
                CompletableFuture<String> where = new CompletableFuture<>();
                // the answer can only be read after this task: on the loop, whenComplete is attached first
                broker.execute(() -> e.send(request("{}"), Duration.ofSeconds(10))
                        .whenComplete((r, t) -> where.complete(
                                t != null
                                        ? t.toString()
                                        : r.status() + " "
                                                + Thread.currentThread().getName())));
                String answered = where.get(10, TimeUnit.SECONDS);
                assertTrue(answered.startsWith("200 broker-loop"), answered);
            }
            assertEquals(1, raw.connections.get(), "the loop's keep-alive connection served both calls");
            assertEquals(
                    200, e.send(request("{}"), Duration.ofSeconds(10)).join().status());
            assertEquals(2, raw.connections.get(), "a call from another thread uses the client's own loop");
        } finally {
            broker.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    @Test
    void aHeaderThatWouldBreakTheFramingFailsTheCallUnsent() throws IOException {
        raw = new RawServer((connection, request) -> RawServer.Action.ANSWER);
        Endpoint e = endpoint(raw.url(), 1);
        Endpoint.CallFailure f =
                failure(e.send(request("{}", "x-tenant", "a\r\nx-injected: 1"), Duration.ofSeconds(10)));
        assertFalse(f.isTimeout());
        assertEquals("bad request header: header value of 'x-tenant' has a forbidden character", f.getMessage());
        f = failure(e.send(request("{}", "bad name", "v"), Duration.ofSeconds(10)));
        assertEquals("bad request header: header name 'bad name' has a forbidden character", f.getMessage());
        assertEquals(
                200,
                e.send(request("{}", "x-tenant", "a"), Duration.ofSeconds(10))
                        .join()
                        .status());
        assertEquals(1, raw.requests.get(), "only the good request was sent");
    }

    /** An HTTP/1.1 server on raw sockets whose every answer is scripted; counts what it saw. */
    static final class RawServer implements AutoCloseable {
        enum Action {
            /** 200 {"result":"ok"}, keep-alive */
            ANSWER,
            /** close the connection without answering */
            DROP,
            /** bytes that are no HTTP response */
            GARBAGE,
            /** as ANSWER once {@link #release} was called: holds the connection until then */
            HOLD
        }

        interface Script {
            /** @param connection 1-based, @param request 1-based on that connection */
            Action next(int connection, int request);
        }

        final AtomicInteger connections = new AtomicInteger();
        final AtomicInteger requests = new AtomicInteger();
        /** Requests held (HOLD) so far. */
        final AtomicInteger held = new AtomicInteger();

        private final CountDownLatch released = new CountDownLatch(1);
        private final ServerSocket server;
        private final Script script;

        RawServer(Script script) throws IOException {
            this.script = script;
            server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            Thread t = new Thread(this::accept, "raw-http");
            t.setDaemon(true);
            t.start();
        }

        String url() {
            return "http://127.0.0.1:" + server.getLocalPort() + "/hook";
        }

        private void accept() {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    int n = connections.incrementAndGet();
                    Thread t = new Thread(() -> serve(s, n), "raw-http-" + n);
                    t.setDaemon(true);
                    t.start();
                } catch (IOException closed) {
                    return; // close() closed the server socket
                }
            }
        }

        private void serve(Socket s, int connection) {
            try (s) {
                BufferedReader in =
                        new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
                OutputStream out = s.getOutputStream();
                for (int request = 1; ; request++) {
                    int length = -1;
                    String line;
                    while ((line = in.readLine()) != null && !line.isEmpty()) {
                        if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                            length = Integer.parseInt(line.substring(15).trim());
                        }
                    }
                    if (line == null) {
                        return; // the client closed the connection
                    }
                    for (int i = 0; i < length; i++) {
                        in.read();
                    }
                    requests.incrementAndGet();
                    switch (script.next(connection, request)) {
                        case ANSWER -> answer(out);
                        case HOLD -> {
                            held.incrementAndGet();
                            if (!released.await(60, TimeUnit.SECONDS)) {
                                return;
                            }
                            answer(out);
                        }
                        case DROP -> {
                            return;
                        }
                        case GARBAGE -> {
                            out.write("NOT HTTP AT ALL\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                            out.flush();
                        }
                    }
                }
            } catch (IOException gone) {
                // the client went away: this connection is over
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        private static void answer(OutputStream out) throws IOException {
            byte[] body = "{\"result\":\"ok\"}".getBytes(StandardCharsets.US_ASCII);
            out.write(
                    ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
        }

        /** Every held request is answered now, and every later HOLD at once. */
        void release() {
            released.countDown();
        }

        @Override
        public void close() throws IOException {
            released.countDown();
            server.close();
        }
    }
}
