package io.hookline.bench.probe;

import io.hookline.bench.client.BenchClient;
import io.hookline.bench.client.InboundListener;
import io.hookline.bench.client.Transport;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Opens N idle clients (like the connection-ramp scenario), prints the connect rate, then holds
 * them open until stdin closes or a line is read, so the broker can be inspected with
 * {@code jcmd PID GC.class_histogram} while they are connected. Not a scenario: a tool.
 *
 * <pre>
 * java -cp "bench/target/hookline-bench.jar:bench/target/lib/*" io.hookline.bench.probe.IdleConnections \
 *     127.0.0.1:1883 10000 [prefix [warm-up rounds [keep alive seconds [batches]]]]
 * </pre>
 * Warm-up rounds connect and disconnect N clients first; the last line printed is the measured ramp.
 * The clients' CONNECT carries the keep alive given (default 0, none; they send no PINGREQ, so
 * hold them for less than 1.5 times it). With batches B above 1, B batches of N clients are opened
 * one after the other, each after a line on stdin, and all are held: the RSS between two batches is
 * the marginal cost of a connection, without the JIT and the first touch of the heap.
 */
public final class IdleConnections {
    private static final int CONCURRENT_HANDSHAKES = 200;

    private IdleConnections() {}

    public static void main(String[] args) throws Exception {
        String[] hostPort = args[0].split(":");
        InetSocketAddress broker = new InetSocketAddress(hostPort[0], Integer.parseInt(hostPort[1]));
        int n = Integer.parseInt(args[1]);
        String prefix = args.length > 2 ? args[2] : "idle";
        int warmups = args.length > 3 ? Integer.parseInt(args[3]) : 0;
        int keepAlive = args.length > 4 ? Integer.parseInt(args[4]) : 0;
        int batches = args.length > 5 ? Integer.parseInt(args[5]) : 1;
        Transport transport = Transport.create(2, true);
        for (int round = 0; round < warmups; round++) { // the broker's JIT dominates a cold storm
            List<BenchClient> warm = ramp(transport, broker, n, prefix + "-warm" + round, keepAlive);
            closeAll(warm);
        }
        List<BenchClient> clients = new ArrayList<>();
        for (int b = 0; b < batches; b++) {
            if (b > 0) {
                awaitLine();
            }
            clients.addAll(ramp(transport, broker, n, prefix + (b == 0 ? "" : "-b" + b), keepAlive));
        }
        awaitLine();
        closeAll(clients);
        transport.close();
    }

    private static void awaitLine() throws java.io.IOException {
        int c;
        do {
            c = System.in.read();
        } while (c != '\n' && c != -1);
    }

    private static List<BenchClient> ramp(
            Transport transport, InetSocketAddress broker, int n, String prefix, int keepAlive) throws Exception {
        List<BenchClient> clients = Collections.synchronizedList(new ArrayList<>());
        Semaphore window = new Semaphore(CONCURRENT_HANDSHAKES);
        int[] failed = {0};
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            window.acquire();
            CompletableFuture<BenchClient> f = BenchClient.connect(
                    transport,
                    broker,
                    BenchClient.loopbackSource(broker, i, n),
                    prefix + "-" + i,
                    InboundListener.IGNORE,
                    1,
                    true,
                    keepAlive);
            f.whenComplete((c, err) -> {
                if (err == null) {
                    clients.add(c);
                } else {
                    synchronized (failed) {
                        failed[0]++;
                    }
                }
                window.release();
            });
        }
        window.acquire(CONCURRENT_HANDSHAKES);
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf(
                "connected %d failed %d in %.3f s: %.0f connects/s%n",
                clients.size(), failed[0], seconds, clients.size() / seconds);
        System.out.flush();
        return clients;
    }

    private static void closeAll(List<BenchClient> clients) throws Exception {
        List<CompletableFuture<Void>> closing = new ArrayList<>();
        synchronized (clients) {
            for (BenchClient c : clients) {
                closing.add(c.disconnect());
            }
        }
        CompletableFuture.allOf(closing.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
    }
}
