package io.hookline.broker.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hookline.broker.metrics.BrokerMetrics.Counter;
import io.hookline.broker.testsupport.Bystander;
import io.hookline.broker.testsupport.Survival;
import io.hookline.broker.testsupport.TestBroker;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16 item 9: half-sent requests (slowloris) and idle connections on the management
 * listener are closed after http.request_timeout / http.idle_timeout, at most
 * http.max_connections are open at once, and /health and MQTT clients keep being served.
 */
class ManagementLimitsTest {

    private static final int CAP = 16;

    private static TestBroker start(Path data) {
        return TestBroker.start(
                "listener.http.default",
                "127.0.0.1:0",
                "data_dir",
                data.toString(),
                "http.max_connections",
                String.valueOf(CAP),
                "http.request_timeout",
                "500ms",
                "http.idle_timeout",
                "1s");
    }

    private static Socket halfSentRequest(int port) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        s.getOutputStream()
                .write("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
        return s;
    }

    /** True when the server closed the socket (EOF or reset) within {@code millis}. */
    private static boolean closedWithin(Socket s, int millis) throws IOException {
        s.setSoTimeout(millis);
        InputStream in = s.getInputStream();
        try {
            while (true) {
                if (in.read() == -1) {
                    return true;
                }
            }
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException reset) {
            return true;
        }
    }

    @Test
    void halfSentRequestsAreClosedAndHealthStillAnswers(@TempDir Path data) throws Exception {
        try (TestBroker broker = start(data);
                Bystander bystander = new Bystander(broker)) {
            int port = broker.httpPort();
            List<Socket> attack = new ArrayList<>();
            try {
                for (int i = 0; i < 4 * CAP; i++) {
                    attack.add(halfSentRequest(port));
                }
                // the cap holds while the attack lasts; /health waits its turn and is answered
                assertTrue(
                        broker.broker().httpConnections() <= CAP,
                        "open: " + broker.broker().httpConnections());
                Survival.assertHealthy(port);
                bystander.assertStillServed();
                // every half-sent request is dropped: accepted ones after the timeout, queued ones once accepted
                for (Socket s : attack) {
                    assertTrue(closedWithin(s, 15_000), "a half-sent request stayed open");
                }
            } finally {
                for (Socket s : attack) {
                    s.close();
                }
            }
            Survival.assertHealthy(port);
        }
    }

    @Test
    void aFullListenerIsCountedAndLogged(@TempDir Path data) throws Exception {
        try (TestBroker broker = start(data)) {
            int port = broker.httpPort();
            List<Socket> attack = new ArrayList<>();
            try {
                // keep the listener full until the periodic check (every 5 s) sees it; bounded to 30 s
                long deadline = System.nanoTime() + 30_000_000_000L;
                while (broker.broker().metrics().get(Counter.LIMIT_HTTP_CONNECTIONS) == 0
                        && System.nanoTime() < deadline) {
                    attack.removeIf(s -> s.isClosed());
                    while (attack.size() < 2 * CAP) {
                        attack.add(halfSentRequest(port));
                    }
                    Thread.onSpinWait();
                    for (Socket s : List.copyOf(attack)) {
                        if (closedWithin(s, 1)) {
                            s.close();
                        }
                    }
                }
            } finally {
                for (Socket s : attack) {
                    s.close();
                }
            }
            assertTrue(broker.broker().metrics().get(Counter.LIMIT_HTTP_CONNECTIONS) > 0);
            assertTrue(Survival.limitHits(port, "http_connections") > 0);
            Survival.assertHealthy(port);
        }
    }

    @Test
    void anIdleConnectionIsClosedAfterTheIdleTimeout(@TempDir Path data) throws Exception {
        try (TestBroker broker = start(data);
                Socket idle = new Socket("127.0.0.1", broker.httpPort())) {
            assertTrue(closedWithin(idle, 10_000), "an idle connection stayed open");
            assertEquals(200, Survival.get(broker.httpPort(), "/health").statusCode());
        }
    }
}
