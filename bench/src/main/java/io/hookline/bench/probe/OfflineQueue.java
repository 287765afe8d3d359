package io.hookline.bench.probe;

import io.hookline.bench.client.BenchClient;
import io.hookline.bench.client.InboundListener;
import io.hookline.bench.client.Transport;
import io.netty.buffer.ByteBuf;
import java.net.InetSocketAddress;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One persistent session's offline queue, filled and drained: the two halves of the restart
 * benchmark that {@code bench/run-durable} runs around a broker restart. Not a scenario: a tool.
 *
 * <pre>
 * java -cp "bench/target/hookline-bench.jar:bench/target/lib/*" io.hookline.bench.probe.OfflineQueue \
 *     fill 127.0.0.1:1883 1000000 [payload bytes, default 100]
 * java -cp ... io.hookline.bench.probe.OfflineQueue drain 127.0.0.1:1883 1000000 [epoch ms the broker was launched]
 * </pre>
 * {@code fill} creates the session {@code bench-offline} (clean session 0, subscribed to
 * {@code bench/offline} at QoS 1), leaves it offline and publishes the messages at QoS 1 with a
 * window of 100, waiting for every PUBACK. {@code drain} connects the session again and reads
 * the queue to the end, trying to connect until the broker listens; given the broker's launch
 * time it prints how long until the first message arrived (clients served). Each prints one line.
 */
public final class OfflineQueue {
    static final String CLIENT_ID = "bench-offline";
    static final String TOPIC = "bench/offline";
    private static final int WINDOW = 100;

    private OfflineQueue() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 3 || !(args[0].equals("fill") || args[0].equals("drain"))) {
            System.err.println(
                    "usage: OfflineQueue fill HOST:PORT COUNT [PAYLOAD_BYTES] | drain HOST:PORT COUNT [LAUNCHED_EPOCH_MS]");
            System.exit(2);
        }
        String[] hostPort = args[1].split(":");
        InetSocketAddress broker = new InetSocketAddress(hostPort[0], Integer.parseInt(hostPort[1]));
        long count = Long.parseLong(args[2]);
        Transport transport = Transport.create(1, true);
        try {
            if (args[0].equals("fill")) {
                fill(transport, broker, count, args.length > 3 ? Integer.parseInt(args[3]) : 100);
            } else {
                drain(transport, broker, count, args.length > 3 ? Long.parseLong(args[3]) : 0);
            }
        } finally {
            transport.close();
        }
    }

    private static void fill(Transport transport, InetSocketAddress broker, long count, int payloadBytes)
            throws Exception {
        BenchClient sub = BenchClient.connect(transport, broker, CLIENT_ID, InboundListener.IGNORE, 1, false)
                .get(30, TimeUnit.SECONDS);
        sub.subscribe(TOPIC, 1).get(30, TimeUnit.SECONDS);
        sub.disconnect().get(30, TimeUnit.SECONDS);

        BenchClient pub = BenchClient.connect(transport, broker, "bench-offline-pub", InboundListener.IGNORE, WINDOW)
                .get(30, TimeUnit.SECONDS);
        long start = System.nanoTime();
        CompletableFuture<Void> done = publishAll(pub, TOPIC, count, payloadBytes);
        while (!done.isDone()) {
            try {
                done.get(1, TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                if (!pub.isActive()) {
                    throw new IllegalStateException("the broker closed the publisher's connection", e);
                }
            }
        }
        done.get();
        double seconds = (System.nanoTime() - start) / 1e9;
        pub.disconnect().get(30, TimeUnit.SECONDS);
        System.out.printf(
                Locale.ROOT,
                "filled=%d payload_bytes=%d seconds=%.1f fill_msg_per_s=%.0f%n",
                count,
                payloadBytes,
                seconds,
                count / seconds);
    }

    private static void drain(Transport transport, InetSocketAddress broker, long count, long launchedEpochMs)
            throws Exception {
        AtomicLong received = new AtomicLong();
        AtomicLong firstEpochMs = new AtomicLong();
        AtomicLong firstNanos = new AtomicLong();
        CountDownLatch all = new CountDownLatch(1);
        InboundListener listener = (payload, qos, nanos) -> {
            if (received.getAndIncrement() == 0) {
                firstEpochMs.set(System.currentTimeMillis());
                firstNanos.set(nanos);
            }
            if (received.get() == count) {
                all.countDown();
            }
        };
        long connecting = System.nanoTime();
        BenchClient sub = connectWhenListening(transport, broker, listener);
        // gives up once nothing arrived for 30 s: a queue shorter than expected (messages dropped
        // by a limit) ends the run with the count instead of waiting for ever
        boolean complete = false;
        long seen = -1;
        long idleSince = System.nanoTime();
        while (!complete) {
            complete = all.await(1, TimeUnit.SECONDS);
            long now = received.get();
            if (now != seen) {
                seen = now;
                idleSince = System.nanoTime();
            } else if (System.nanoTime() - idleSince > TimeUnit.SECONDS.toNanos(30)) {
                break;
            }
        }
        long end = System.nanoTime();
        sub.disconnect().get(30, TimeUnit.SECONDS);
        if (!complete || received.get() == 0) {
            throw new IllegalStateException("received " + received.get() + " of " + count);
        }
        double drainSeconds = (end - firstNanos.get()) / 1e9;
        String served = launchedEpochMs > 0
                ? String.format(
                        Locale.ROOT, " launch_to_first_message_s=%.2f", (firstEpochMs.get() - launchedEpochMs) / 1e3)
                : "";
        System.out.printf(
                Locale.ROOT,
                "drained=%d%s drain_seconds=%.1f drain_msg_per_s=%.0f"
                        + " (from this probe's first connect attempt to the first message: %.2f s)%n",
                received.get(),
                served,
                drainSeconds,
                received.get() / Math.max(drainSeconds, 1e-9),
                (firstNanos.get() - connecting) / 1e9);
    }

    /**
     * Connects the session, trying again every 20 ms while the broker is not listening yet (the
     * probe starts with the broker, so the time to the first message is the broker's, not a JVM's).
     */
    private static BenchClient connectWhenListening(
            Transport transport, InetSocketAddress broker, InboundListener listener) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (true) {
            try {
                return BenchClient.connect(transport, broker, CLIENT_ID, listener, 1, false)
                        .get(5, TimeUnit.MINUTES);
            } catch (java.util.concurrent.ExecutionException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(20); // not listening yet: a tool polling a port, not a test
            }
        }
    }

    /**
     * Publishes {@code count} QoS 1 messages of {@code payloadBytes} to {@code topic} as fast as
     * {@code pub}'s window allows, from {@code pub}'s event loop; the stage completes once all are
     * acknowledged and fails when the broker closes the connection first.
     */
    static CompletableFuture<Void> publishAll(BenchClient pub, String topic, long count, int payloadBytes) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        long[] sent = {0}; // on pub's event loop only
        byte[] payload = new byte[payloadBytes];
        Runnable pump = () -> {
            while (sent[0] < count && pub.canPublish(1)) {
                ByteBuf buf = pub.alloc().buffer(payloadBytes).writeBytes(payload);
                pub.publish(topic, 1, buf);
                sent[0]++;
            }
            pub.flush();
            if (pub.completed() == count) {
                done.complete(null);
            } else if (!pub.isActive()) {
                done.completeExceptionally(new IllegalStateException(
                        "the broker closed the publisher's connection after " + pub.completed() + " acknowledged"));
            }
        };
        pub.eventLoop().execute(() -> {
            pub.onCredit(pump);
            pump.run();
        });
        return done;
    }
}
