package io.hookline.bench.probe;

import io.undertow.Undertow;
import io.undertow.UndertowOptions;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.LongAdder;
import org.xnio.Options;

/**
 * A webhook endpoint that is not the bottleneck: Undertow, answering every POST with
 * {@code {"result":"ok"}} (no cache-control) on its I/O threads, without parsing the body.
 * HTTP/1.1 keep-alive and HTTP/2 with prior knowledge (h2c) on the same port. Prints the
 * requests per second while requests arrive. Not a scenario: a tool for {@code bench/run-hooks}.
 *
 * <pre>
 * java -cp "bench/target/hookline-bench.jar:bench/target/lib/*" io.hookline.bench.probe.WebhookReceiver PORT [IO_THREADS]
 * </pre>
 *
 * <p>Thread-safety: the handler is stateless except for the request counter (a LongAdder).
 */
public final class WebhookReceiver {
    private static final ByteBuffer OK = ByteBuffer.wrap("{\"result\":\"ok\"}".getBytes(StandardCharsets.US_ASCII));

    private WebhookReceiver() {}

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        int ioThreads = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        LongAdder requests = new LongAdder();
        Undertow server = Undertow.builder()
                .addHttpListener(port, "127.0.0.1")
                .setIoThreads(ioThreads)
                .setWorkerThreads(1)
                .setServerOption(UndertowOptions.ENABLE_HTTP2, true)
                .setServerOption(UndertowOptions.HTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, 1000)
                .setServerOption(UndertowOptions.ALWAYS_SET_KEEP_ALIVE, true)
                .setSocketOption(Options.TCP_NODELAY, true)
                .setHandler(exchange -> answer(exchange, requests))
                .build();
        server.start();
        System.out.println(
                "webhook receiver on 127.0.0.1:" + port + " (HTTP/1.1 and h2c), " + ioThreads + " I/O thread(s)");
        long last = 0;
        while (true) {
            Thread.sleep(1000);
            long now = requests.sum();
            if (now != last) {
                System.out.println("requests/s " + (now - last));
                last = now;
            }
        }
    }

    private static void answer(HttpServerExchange exchange, LongAdder requests) {
        // read (and discard) the whole body on the I/O thread, then answer from it
        exchange.getRequestReceiver().receiveFullBytes((ex, body) -> {
            requests.increment();
            ex.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json");
            ex.getResponseSender().send(OK.duplicate());
        });
    }
}
