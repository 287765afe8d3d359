package io.hookline.bench.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BenchClientSourceTest {
    private static final InetSocketAddress BROKER = new InetSocketAddress("127.0.0.1", 1883);

    @Test
    void fewConnectionsLeaveTheSourceToTheKernel() {
        assertNull(BenchClient.loopbackSource(BROKER, 0, 10_000));
        assertNull(BenchClient.loopbackSource(BROKER, 19_999, BenchClient.CONNECTIONS_PER_SOURCE));
    }

    @Test
    void manyConnectionsSpreadEvenlyOverLoopbackSources() {
        int n = 100_000;
        Map<String, Integer> perSource = new HashMap<>();
        for (int i = 0; i < n; i++) {
            InetSocketAddress a = BenchClient.loopbackSource(BROKER, i, n);
            assertEquals(0, a.getPort());
            perSource.merge(a.getAddress().getHostAddress(), 1, Integer::sum);
        }
        assertEquals(
                Map.of(
                        "127.0.0.1", 20_000,
                        "127.0.0.2", 20_000,
                        "127.0.0.3", 20_000,
                        "127.0.0.4", 20_000,
                        "127.0.0.5", 20_000),
                perSource);
    }

    @Test
    void aBrokerOffLoopbackKeepsTheKernelsChoice() {
        assertNull(BenchClient.loopbackSource(new InetSocketAddress("192.0.2.1", 1883), 5, 100_000));
    }
}
