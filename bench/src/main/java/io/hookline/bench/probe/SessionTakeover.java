package io.hookline.bench.probe;

import io.hookline.bench.client.BenchClient;
import io.hookline.bench.client.InboundListener;
import io.hookline.bench.client.Transport;
import java.net.InetSocketAddress;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Takeover time of a persistent session across two cluster nodes ({@code bench/run-takeover}):
 * each round queues {@code COUNT} QoS 1 messages for an offline persistent session (clean
 * session 0) on one node, then connects it on the other node and measures connect to CONNACK
 * and connect to the last queued message; the next round goes back the other way. Not a
 * scenario: a tool.
 *
 * <pre>
 * java -cp "bench/target/hookline-bench.jar:bench/target/lib/*" io.hookline.bench.probe.SessionTakeover \
 *     127.0.0.1:1883 127.0.0.1:1884 10000 [rounds, default 5] [payload bytes, default 100]
 * </pre>
 * Prints one line per round and one summary line (median of the rounds).
 */
public final class SessionTakeover {
    static final String CLIENT_ID = "bench-takeover";
    static final String TOPIC = "bench/takeover";
    private static final int WINDOW = 100;

    private SessionTakeover() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: SessionTakeover HOST:PORT HOST:PORT COUNT [ROUNDS] [PAYLOAD_BYTES]");
            System.exit(2);
        }
        InetSocketAddress[] nodes = {address(args[0]), address(args[1])};
        int count = Integer.parseInt(args[2]);
        int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 5;
        int payloadBytes = args.length > 4 ? Integer.parseInt(args[4]) : 100;
        Transport transport = Transport.create(1, true);
        try {
            // the session starts on the first node, subscribed, offline
            BenchClient sub = BenchClient.connect(transport, nodes[0], CLIENT_ID, InboundListener.IGNORE, 1, false)
                    .get(30, TimeUnit.SECONDS);
            sub.subscribe(TOPIC, 1).get(30, TimeUnit.SECONDS);
            sub.disconnect().get(30, TimeUnit.SECONDS);
            double[] connack = new double[rounds];
            double[] last = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                InetSocketAddress from = nodes[r % 2];
                InetSocketAddress to = nodes[(r + 1) % 2];
                fill(transport, from, count, payloadBytes);
                double[] t = take(transport, to, count);
                connack[r] = t[0];
                last[r] = t[1];
                System.out.printf(
                        Locale.ROOT,
                        "round=%d from=%s to=%s queued=%d connack_ms=%.1f last_message_ms=%.1f%n",
                        r + 1,
                        from,
                        to,
                        count,
                        t[0],
                        t[1]);
            }
            java.util.Arrays.sort(connack);
            java.util.Arrays.sort(last);
            System.out.printf(
                    Locale.ROOT,
                    "queued=%d rounds=%d median_connack_ms=%.1f median_last_message_ms=%.1f%n",
                    count,
                    rounds,
                    connack[rounds / 2],
                    last[rounds / 2]);
        } finally {
            transport.close();
        }
    }

    private static InetSocketAddress address(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        return new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
    }

    private static void fill(Transport transport, InetSocketAddress broker, int count, int payloadBytes)
            throws Exception {
        BenchClient pub = BenchClient.connect(transport, broker, "bench-takeover-pub", InboundListener.IGNORE, WINDOW)
                .get(30, TimeUnit.SECONDS);
        OfflineQueue.publishAll(pub, TOPIC, count, payloadBytes).get(300, TimeUnit.SECONDS);
        pub.disconnect().get(30, TimeUnit.SECONDS);
    }

    /** Connects the session on {@code broker}; returns ms to CONNACK and to the last queued message. */
    private static double[] take(Transport transport, InetSocketAddress broker, int count) throws Exception {
        AtomicLong received = new AtomicLong();
        AtomicLong lastNanos = new AtomicLong();
        CountDownLatch all = new CountDownLatch(1);
        InboundListener listener = (payload, qos, nanos) -> {
            if (received.incrementAndGet() == count) {
                lastNanos.set(System.nanoTime());
                all.countDown();
            }
        };
        long start = System.nanoTime();
        BenchClient sub = BenchClient.connect(transport, broker, CLIENT_ID, listener, 1, false)
                .get(60, TimeUnit.SECONDS);
        long connack = System.nanoTime();
        if (!sub.sessionPresent()) {
            throw new IllegalStateException("CONNACK without session present: the session did not move");
        }
        if (!all.await(120, TimeUnit.SECONDS)) {
            throw new IllegalStateException("received " + received.get() + " of " + count);
        }
        sub.disconnect().get(30, TimeUnit.SECONDS);
        return new double[] {(connack - start) / 1e6, (lastNanos.get() - start) / 1e6};
    }
}
