package io.hookline.broker.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.core.ExecutionCallback;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.IExecutorService;
import com.hazelcast.topic.ITopic;
import io.hookline.broker.routing.Message;
import io.hookline.broker.routing.PublishProperties;
import io.hookline.broker.routing.Recipient;
import io.hookline.broker.routing.SubscriberId;
import io.hookline.broker.util.StoreBatch;
import java.io.PrintStream;
import java.io.Serializable;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * Issue 19's "Hazelcast messaging against the direct link" for forwarding messages between two
 * nodes, in one JVM over loopback: the data plane the broker uses ({@link DataPlane}, one TCP
 * connection, QoS 1 frames acknowledged after the receiver's store stage) against Hazelcast 5.7's
 * own messaging between two embedded members ({@code ITopic} one way, {@code IExecutorService}
 * submit-to-member for an acknowledged hop). The same encoded message travels in each
 * ({@link Frames#encode}). Printed: messages/s and latency (one way: send to receipt; acked: send
 * to acknowledgement), p50/p99. In package {@code io.hookline.broker.cluster} for the
 * package-private types.
 *
 * <p>{@code java -cp "bench/target/hookline-bench.jar:bench/target/lib/*"
 * io.hookline.broker.cluster.ForwardingTransports [MESSAGES [WINDOW [PAYLOAD]]]}
 */
public final class ForwardingTransports {

    private ForwardingTransports() {}

    /** One measured way: messages per second and the latency histogram (microseconds). */
    record Result(String way, double perSecond, Histogram micros) {}

    public static void main(String[] args) throws Exception {
        int messages = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        int window = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
        int payload = args.length > 2 ? Integer.parseInt(args[2]) : 64;
        System.setProperty("hazelcast.logging.type", "none");
        PrintStream out = System.out;
        out.printf(
                Locale.ROOT,
                "forwarding %,d messages of %d bytes between two nodes on loopback, acked window %d%n",
                messages,
                payload,
                window);
        Result[] results = new Result[5];
        for (int round = 0; round < 2; round++) { // the first round warms the JIT up; the second is reported
            results[0] = directOneWay(messages, payload);
            results[1] = directAcked(messages, window, payload);
            try (Members hz = new Members()) {
                results[2] = topicOneWay(hz, messages, payload);
                results[3] = topicAcked(hz, messages, window, payload);
                results[4] = executorAcked(hz, Math.max(1, messages / 10), window, payload); // far slower: a tenth
            }
        }
        out.println("| transport | msg/s | p50 µs | p99 µs |");
        out.println("|---|---:|---:|---:|");
        for (Result r : results) {
            out.printf(
                    Locale.ROOT,
                    "| %s | %,.0f | %d | %d |%n",
                    r.way,
                    r.perSecond,
                    r.micros.getValueAtPercentile(50),
                    r.micros.getValueAtPercentile(99));
        }
    }

    private static Message message(int payload, int qos) {
        byte[] bytes = new byte[Math.max(8, payload)];
        ByteBuffer.wrap(bytes).putLong(System.nanoTime());
        return new Message(0, "bench/forward", qos, false, bytes, PublishProperties.NONE, null, 0);
    }

    private static long sentAt(Message m) {
        return ByteBuffer.wrap(m.payload()).getLong();
    }

    private static void record(Histogram h, long sentNanos) {
        h.recordValue(Math.max(0, (System.nanoTime() - sentNanos) / 1000));
    }

    // ---- the direct link ---------------------------------------------------------------------

    /** The receiving node: records the one-way latency; its "store" is done at once (clean sessions). */
    private static final class Receiving implements DataPlane.Receiver {
        final UUID sender;
        final Histogram oneWay = new ConcurrentHistogram(3);
        volatile CountDownLatch received = new CountDownLatch(0);

        Receiving(UUID sender) {
            this.sender = sender;
        }

        @Override
        public boolean isMember(UUID node) {
            return node.equals(sender);
        }

        @Override
        public CompletionStage<Void> publish(UUID from, Message m, Consumer<List<Recipient>> congested) {
            record(oneWay, sentAt(m));
            received.countDown();
            return StoreBatch.DONE;
        }

        @Override
        public void takeover(UUID from, SubscriberId client) {}
    }

    private static Result directOneWay(int messages, int payload) throws Exception {
        UUID self = UUID.randomUUID();
        Receiving receiving = new Receiving(self);
        try (DataPlane in = new DataPlane(receiving);
                DataPlane out = new DataPlane(receiving)) {
            InetSocketAddress bound = in.bind("127.0.0.1", 0);
            out.setSelf(self);
            UUID node = UUID.randomUUID();
            receiving.received = new CountDownLatch(1);
            out.publish(node, bound, message(payload, 0)); // connect first
            receiving.received.await(10, TimeUnit.SECONDS);
            receiving.oneWay.reset();
            receiving.received = new CountDownLatch(messages);
            long start = System.nanoTime();
            for (int i = 0; i < messages; i++) {
                out.publish(node, bound, message(payload, 0));
            }
            receiving.received.await(120, TimeUnit.SECONDS);
            double seconds = (System.nanoTime() - start) / 1e9;
            return new Result("direct link, one way (QoS 0 frame)", messages / seconds, receiving.oneWay.copy());
        }
    }

    private static Result directAcked(int messages, int window, int payload) throws Exception {
        UUID self = UUID.randomUUID();
        Receiving receiving = new Receiving(self);
        Histogram acked = new ConcurrentHistogram(3);
        try (DataPlane in = new DataPlane(receiving);
                DataPlane out = new DataPlane(receiving)) {
            InetSocketAddress bound = in.bind("127.0.0.1", 0);
            out.setSelf(self);
            UUID node = UUID.randomUUID();
            Semaphore permits = new Semaphore(window);
            CountDownLatch done = new CountDownLatch(messages);
            long start = System.nanoTime();
            for (int i = 0; i < messages; i++) {
                permits.acquire();
                Message m = message(payload, 1);
                out.publish(node, bound, m).whenComplete((v, e) -> {
                    record(acked, sentAt(m));
                    permits.release();
                    done.countDown();
                });
            }
            done.await(120, TimeUnit.SECONDS);
            double seconds = (System.nanoTime() - start) / 1e9;
            return new Result("direct link, acknowledged (QoS 1 frame + ACK)", messages / seconds, acked);
        }
    }

    // ---- Hazelcast -----------------------------------------------------------------------------

    /** Two embedded members on loopback, joined over TCP. */
    private static final class Members implements AutoCloseable {
        final HazelcastInstance a;
        final HazelcastInstance b;

        Members() {
            int port = 15_901 + (int) (ProcessHandle.current().pid() % 500) * 2;
            a = Hazelcast.newHazelcastInstance(config(port, port + 1));
            b = Hazelcast.newHazelcastInstance(config(port + 1, port));
        }

        private static Config config(int port, int other) {
            Config c = new Config();
            c.setClusterName("forwarding-bench-" + ProcessHandle.current().pid());
            c.setProperty("hazelcast.phone.home.enabled", "false");
            c.setProperty("hazelcast.wait.seconds.before.join", "0");
            c.getNetworkConfig().setPort(port).setPortAutoIncrement(false);
            JoinConfig join = c.getNetworkConfig().getJoin();
            join.getMulticastConfig().setEnabled(false);
            join.getAutoDetectionConfig().setEnabled(false);
            join.getTcpIpConfig()
                    .setEnabled(true)
                    .addMember("127.0.0.1:" + port)
                    .addMember("127.0.0.1:" + other);
            c.getNetworkConfig().getInterfaces().setEnabled(true).addInterface("127.0.0.1");
            return c;
        }

        @Override
        public void close() {
            b.shutdown();
            a.shutdown();
        }
    }

    private static Result topicOneWay(Members hz, int messages, int payload) throws Exception {
        Histogram oneWay = new ConcurrentHistogram(3);
        CountDownLatch[] received = {new CountDownLatch(1)};
        ITopic<byte[]> topic = hz.b.getTopic("hookline.bench.forward");
        topic.addMessageListener(m -> {
            record(oneWay, sentAt(Frames.decode(m.getMessageObject(), 0, new UUID[1]))); // decoded, as routing would
            received[0].countDown();
        });
        ITopic<byte[]> sending = hz.a.getTopic("hookline.bench.forward");
        UUID origin = hz.a.getCluster().getLocalMember().getUuid();
        sending.publish(Frames.encode(origin, message(payload, 0)));
        received[0].await(30, TimeUnit.SECONDS);
        oneWay.reset();
        received[0] = new CountDownLatch(messages);
        long start = System.nanoTime();
        for (int i = 0; i < messages; i++) {
            sending.publish(Frames.encode(origin, message(payload, 0)));
        }
        received[0].await(120, TimeUnit.SECONDS);
        double seconds = (System.nanoTime() - start) / 1e9;
        return new Result("Hazelcast ITopic, one way", messages / seconds, oneWay.copy());
    }

    /** ITopic both ways: the receiving member answers each message with its send time on a second topic. */
    private static Result topicAcked(Members hz, int messages, int window, int payload) throws Exception {
        Histogram acked = new ConcurrentHistogram(3);
        Semaphore permits = new Semaphore(window);
        CountDownLatch done = new CountDownLatch(messages);
        ITopic<Long> answers = hz.b.getTopic("hookline.bench.forward.ack");
        hz.b.<byte[]>getTopic("hookline.bench.forward.acked")
                .addMessageListener(m -> answers.publish(sentAt(Frames.decode(m.getMessageObject(), 0, new UUID[1]))));
        hz.a.<Long>getTopic("hookline.bench.forward.ack").addMessageListener(m -> {
            record(acked, m.getMessageObject());
            permits.release();
            done.countDown();
        });
        ITopic<byte[]> sending = hz.a.getTopic("hookline.bench.forward.acked");
        UUID origin = hz.a.getCluster().getLocalMember().getUuid();
        long start = System.nanoTime();
        for (int i = 0; i < messages; i++) {
            permits.acquire();
            sending.publish(Frames.encode(origin, message(payload, 1)));
        }
        done.await(300, TimeUnit.SECONDS);
        double seconds = (System.nanoTime() - start) / 1e9;
        return new Result("Hazelcast ITopic, acknowledged (answer on a second topic)", messages / seconds, acked);
    }

    /** What runs on the receiving member: decode the message (as routing would) and answer. */
    static final class Deliver implements Callable<Boolean>, Serializable {
        private static final long serialVersionUID = 1;
        private final byte[] encoded;

        Deliver(byte[] encoded) {
            this.encoded = encoded;
        }

        @Override
        public Boolean call() {
            return Frames.decode(encoded, 0, new UUID[1]) != null;
        }
    }

    private static Result executorAcked(Members hz, int messages, int window, int payload) throws Exception {
        Histogram acked = new ConcurrentHistogram(3);
        IExecutorService exec = hz.a.getExecutorService("hookline.bench.forward");
        Member target = hz.b.getCluster().getLocalMember();
        UUID origin = hz.a.getCluster().getLocalMember().getUuid();
        Semaphore permits = new Semaphore(window);
        CountDownLatch done = new CountDownLatch(messages);
        long start = System.nanoTime();
        for (int i = 0; i < messages; i++) {
            permits.acquire();
            long sent = System.nanoTime();
            exec.submitToMember(
                    new Deliver(Frames.encode(origin, message(payload, 1))), target, new ExecutionCallback<Boolean>() {
                        @Override
                        public void onResponse(Boolean response) {
                            finish();
                        }

                        @Override
                        public void onFailure(Throwable t) {
                            finish();
                        }

                        private void finish() {
                            record(acked, sent);
                            permits.release();
                            done.countDown();
                        }
                    });
        }
        done.await(300, TimeUnit.SECONDS);
        double seconds = (System.nanoTime() - start) / 1e9;
        return new Result("Hazelcast executor, acknowledged (submitToMember)", messages / seconds, acked);
    }
}
