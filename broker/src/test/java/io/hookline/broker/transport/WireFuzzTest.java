package io.hookline.broker.transport;

import static io.hookline.broker.transport.FuzzPackets.Bad;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import io.hookline.broker.protocol.ListenerInfo;
import io.hookline.broker.protocol.MqttConnection;
import io.hookline.broker.routing.Message;
import io.hookline.broker.session.Session;
import io.hookline.broker.testsupport.GatedStores;
import io.hookline.broker.testsupport.LeakDetectionExtension;
import io.hookline.broker.testsupport.TestBroker;
import io.hookline.broker.util.StoreBatch;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.slf4j.LoggerFactory;

/**
 * Issue 15 item 11: the decoder and the connection state machine, fuzzed with generated and
 * mutated packets (jqwik). Each input runs through the real MQTT stages of a connection
 * ({@link MqttListener#addMqttStages}: framer, Netty's decoder, encoders, {@link MqttConnection})
 * on an {@link EmbeddedChannel} attached to one real broker, byte chunk by byte chunk; the
 * broker's store commits complete on the test's thread between chunks ({@link GatedStores}), so
 * packets also arrive while a persistent session's CONNACK or a PUBACK waits for its commit. The
 * properties: no exception reaches a handler's exceptionCaught (or the channel), every malformed
 * input closes the connection with the reason the specification names (MQTT 5 DISCONNECT, 3.x a
 * close without a word), a packet before CONNECT closes it unanswered, what the broker writes is
 * well-formed MQTT, no connection, session or retained message outlives its input, no ByteBuf
 * leaks (Netty's paranoid leak detector, checked after the run) and no thread growth.
 *
 * <p>A short run is part of the normal build ({@code jqwik.tries.default} in
 * junit-platform.properties); the long run is a documented command (README, Fuzzing) that raises
 * {@code jqwik.tries.default}. The figures are logged at the end.
 */
class WireFuzzTest {

    private static final org.slf4j.Logger log = LoggerFactory.getLogger(WireFuzzTest.class);

    private static TestBroker broker;
    /** Every commit waits (a persistent session's CONNACK, a PUBACK) until run() settles them. */
    private static final GatedStores stores = new GatedStores();

    private static final List<String> escaped = new CopyOnWriteArrayList<>();
    private static AppenderBase<ILoggingEvent> exceptionWatch;
    private static Level mqttLevel;
    private static int threadsBefore;
    private static long heapBefore;
    private static final AtomicLong inputs = new AtomicLong();
    private static final AtomicLong closedMalformed = new AtomicLong();
    private static final AtomicLong bytesFed = new AtomicLong();

    @BeforeContainer
    static void startBroker() {
        LeakDetectionExtension.start();
        // An EmbeddedChannel runs every task on the test's thread and its event loop answers
        // inEventLoop() = true on any thread: a store that completes commits on its own thread
        // (RocksDB's writer) would run this channel's code there, concurrently with the test.
        // The commits complete here instead, on the test's thread, at points run() chooses.
        stores.held = true;
        broker = TestBroker.startOn(
                stores,
                null,
                null,
                "max_message_size",
                String.valueOf(FuzzPackets.MAX_MESSAGE_SIZE),
                "max_connect_size",
                "2048",
                "topic_max_depth",
                String.valueOf(FuzzPackets.MAX_DEPTH));
        // MqttConnection logs every exception that reaches it (its exceptionCaught) at debug: watch for them
        Logger logger = (Logger) LoggerFactory.getLogger(MqttConnection.class);
        mqttLevel = logger.getLevel();
        exceptionWatch = new AppenderBase<>() {
            @Override
            protected void append(ILoggingEvent e) {
                String m = e.getFormattedMessage();
                if (m.endsWith(", closing") && m.matches(".*: [\\w.$]+(Exception|Error)\\b.*")) {
                    escaped.add(m);
                }
            }
        };
        exceptionWatch.setContext(logger.getLoggerContext());
        exceptionWatch.start();
        logger.setLevel(Level.DEBUG);
        logger.setAdditive(false);
        logger.addAppender(exceptionWatch);
        threadsBefore = Thread.activeCount();
        heapBefore = usedHeapAfterGc();
    }

    private static long usedHeapAfterGc() {
        System.gc();
        Runtime r = Runtime.getRuntime();
        return r.totalMemory() - r.freeMemory();
    }

    @AfterContainer
    static void stopBroker() {
        Logger logger = (Logger) LoggerFactory.getLogger(MqttConnection.class);
        logger.detachAppender(exceptionWatch);
        logger.setAdditive(true);
        logger.setLevel(mqttLevel);
        try {
            log.info(
                    "wire fuzz: {} inputs ({} bytes), {} malformed ones closed with their reason, {} exceptions"
                            + " escaped, threads {} -> {}, heap after GC {} -> {} MB",
                    inputs.get(),
                    bytesFed.get(),
                    closedMalformed.get(),
                    escaped.size(),
                    threadsBefore,
                    Thread.activeCount(),
                    heapBefore >> 20,
                    usedHeapAfterGc() >> 20);
            assertEquals(List.of(), escaped, "exceptions that reached a handler");
            assertTrue(
                    Thread.activeCount() <= threadsBefore + 2,
                    "threads grew from " + threadsBefore + " to " + Thread.activeCount());
            LeakDetectionExtension.assertNoLeaks("WireFuzzTest");
        } finally {
            broker.close();
        }
    }

    // ---- properties ------------------------------------------------------------------------

    /** A valid session, then one malformed packet: closed, v5 told the reason the spec names. */
    @Property(edgeCases = EdgeCasesMode.NONE) // jqwik keeps every combined edge case in memory: not for long runs
    void malformedPacketClosesWithTheReasonTheSpecNames(@ForAll("malformedCases") Case c) {
        Outcome out = run(c.input(), c.chunk());
        assertFalse(out.open(), () -> "still open after " + c);
        assertTrue(out.connackAccepted(), () -> "the CONNECT itself was refused: " + c);
        if (c.version() == 5) {
            Reply last = out.replies().get(out.replies().size() - 1);
            assertEquals(FuzzPackets.DISCONNECT, last.type(), () -> "last packet for " + c + ": " + out);
            assertEquals(c.bad().v5Reason(), last.reasonCode(), () -> "DISCONNECT reason for " + c);
        } else {
            assertTrue(
                    out.replies().stream().noneMatch(r -> r.type() == FuzzPackets.DISCONNECT),
                    () -> "a DISCONNECT to an MQTT " + c.version() + " client: " + out);
        }
        closedMalformed.incrementAndGet();
    }

    /** Only CONNECT may come first: anything else closes the connection with nothing written. */
    @Property(edgeCases = EdgeCasesMode.NONE)
    void packetBeforeConnectClosesUnanswered(@ForAll("notConnect") byte[] input) {
        Outcome out = run(input, input.length);
        assertFalse(out.open(), "still open");
        assertEquals(List.of(), out.replies());
    }

    /**
     * Sessions of valid, invalid and mutated packets (bytes flipped, cut, inserted): whatever
     * happens, nothing escapes, the replies are well-formed, a v5 DISCONNECT from the broker
     * carries an error reason, and nothing outlives the connection.
     */
    @Property(edgeCases = EdgeCasesMode.NONE)
    void mutatedSessionsLeaveNothingBehind(@ForAll("mutatedCases") Case c) {
        Outcome out = run(c.input(), c.chunk(), (c.input().length & 1) == 0); // half close while commits wait
        for (Reply r : out.replies()) {
            if (r.type() == FuzzPackets.DISCONNECT && c.version() == 5) {
                assertTrue(r.reasonCode() >= 0x80, () -> "DISCONNECT without an error reason: " + out);
            }
        }
    }

    // ---- generators ------------------------------------------------------------------------

    /** One fuzz input: protocol version, its bytes, the malformed packet at its end (or null), chunk size. */
    record Case(int version, byte[] input, Bad bad, int chunk) {
        @Override
        public String toString() {
            return "MQTT " + version + (bad == null ? "" : ", " + bad) + ", chunks of " + chunk + ": "
                    + java.util.HexFormat.of().formatHex(input, 0, Math.min(input.length, 400));
        }
    }

    @Provide
    Arbitrary<Case> malformedCases() {
        return Arbitraries.of(3, 4, 5)
                .flatMap(v -> Combinators.combine(
                                FuzzPackets.harmless(v).list().ofMaxSize(6), FuzzPackets.malformed(v),
                                Arbitraries.integers().between(1, 64),
                                        Arbitraries.strings()
                                                .alpha()
                                                .ofMinLength(1)
                                                .ofMaxLength(8))
                        .as((before, bad, chunk, id) -> new Case(
                                v, concat(FuzzPackets.connect(v, "f" + id), before, bad.bytes()), bad, chunk)));
    }

    @Provide
    Arbitrary<byte[]> notConnect() {
        Arbitrary<Integer> first = Arbitraries.integers().between(0, 255).filter(b -> b != 0x10);
        return Combinators.combine(
                        first, Arbitraries.bytes().array(byte[].class).ofMaxSize(40))
                .as((b, rest) -> {
                    byte[] input = new byte[rest.length + 1];
                    input[0] = (byte) (int) b;
                    System.arraycopy(rest, 0, input, 1, rest.length);
                    return input;
                });
    }

    @Provide
    Arbitrary<Case> mutatedCases() {
        return Arbitraries.of(3, 4, 5)
                .flatMap(v -> Combinators.combine(
                                FuzzPackets.connectVariants(v),
                                        FuzzPackets.any(v).list().ofMaxSize(10),
                                FuzzPackets.mutations().list().ofMaxSize(4),
                                        Arbitraries.integers().between(1, 64))
                        .as((connect, packets, mutations, chunk) -> {
                            byte[] input = concat(connect, packets, new byte[0]);
                            for (FuzzPackets.Mutation m : mutations) {
                                input = m.apply(input);
                            }
                            return new Case(v, input, null, chunk);
                        }));
    }

    private static byte[] concat(byte[] connect, List<byte[]> middle, byte[] last) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(connect);
        middle.forEach(out::writeBytes);
        out.writeBytes(last);
        return out.toByteArray();
    }

    // ---- running one input -----------------------------------------------------------------

    /** A packet the broker wrote. */
    record Reply(int type, int flags, byte[] body) {
        int reasonCode() {
            return switch (type) {
                case FuzzPackets.CONNACK -> body[1] & 0xFF;
                case FuzzPackets.DISCONNECT -> body.length > 0 ? body[0] & 0xFF : 0;
                default -> -1;
            };
        }

        @Override
        public String toString() {
            return "type " + type + " " + java.util.HexFormat.of().formatHex(body, 0, Math.min(body.length, 32));
        }
    }

    record Outcome(boolean open, List<Reply> replies) {
        boolean connackAccepted() {
            return !replies.isEmpty()
                    && replies.get(0).type() == FuzzPackets.CONNACK
                    && replies.get(0).reasonCode() == 0;
        }
    }

    private static Outcome run(byte[] input, int chunk) {
        return run(input, chunk, true);
    }

    /**
     * Feeds {@code input} chunk by chunk. Store commits (a persistent session's CONNACK, PUBACKs
     * and SUBACKs wait on them) complete after every second chunk, so packets also arrive while
     * one waits; with {@code settleBeforeClose} false the channel closes with commits pending.
     */
    private static Outcome run(byte[] input, int chunk, boolean settleBeforeClose) {
        inputs.incrementAndGet();
        bytesFed.addAndGet(input.length);
        EmbeddedChannel channel = new EmbeddedChannel(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast(new SettleStage());
                MqttListener.addMqttStages(ch.pipeline(), broker.broker().context(), ListenerInfo.DEFAULT);
            }
        });
        ByteArrayOutputStream written = new ByteArrayOutputStream();
        boolean open;
        try {
            for (int i = 0, n = 0; i < input.length && channel.isOpen(); i += chunk, n++) {
                channel.writeInbound(Unpooled.wrappedBuffer(input, i, Math.min(chunk, input.length - i)));
                channel.runPendingTasks();
                if (n % 2 == 1) {
                    settle(channel);
                }
                drain(channel, written);
            }
            if (settleBeforeClose) {
                settle(channel);
            }
            channel.runPendingTasks();
            drain(channel, written);
            open = channel.isOpen();
        } finally {
            channel.finishAndReleaseAll(); // closes (the connection's end runs) and rethrows what the channel caught
            stores.settle(); // what waited on a commit runs on a closed connection
            channel.runPendingTasks();
            drain(channel, written);
        }
        assertEquals(0, broker.broker().metrics().connections().get(), "a connection outlived its channel");
        cleanUp();
        return new Outcome(open, parse(written.toByteArray()));
    }

    /**
     * Completes the pending store commits, as a task of the connection's event loop would: inside
     * one call into the channel (an EmbeddedChannel runs its pending tasks after every write made
     * outside such a call, which no real event loop does: a PUBLISH's header and payload would
     * be split by the next task's writes).
     */
    private static void settle(EmbeddedChannel channel) {
        if (channel.isOpen()) {
            channel.writeInbound(SETTLE);
        } else {
            stores.settle(); // closed: nothing is written any more
        }
        channel.runPendingTasks();
    }

    private static final Object SETTLE = new Object();

    /** First in the pipeline: {@link #SETTLE} completes the store's pending commits, here. */
    private static final class SettleStage extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg == SETTLE) {
                stores.settle();
            } else {
                ctx.fireChannelRead(msg);
            }
        }
    }

    private static void drain(EmbeddedChannel channel, ByteArrayOutputStream written) {
        for (Object o; (o = channel.readOutbound()) != null; ) {
            try {
                if (!(o instanceof ByteBuf b)) {
                    fail("not encoded: " + o);
                    return;
                }
                byte[] bytes = new byte[b.readableBytes()];
                b.readBytes(bytes);
                written.writeBytes(bytes);
            } finally {
                ReferenceCountUtil.release(o);
            }
        }
    }

    /** Ends sessions a mutated CONNECT made persistent, and retained messages: each input starts afresh. */
    private static void cleanUp() {
        for (Session s : List.copyOf(broker.broker().sessions().all())) {
            assertFalse(s.isOnline(), "a session still online after its connection closed");
            broker.broker().sessions().remove(s.mountpoint(), s.clientId());
        }
        List<String> topics = new ArrayList<>();
        broker.broker().retained().forEach((Message m) -> topics.add(m.topic()));
        topics.forEach(t -> broker.broker().retained().remove(t, StoreBatch.NONE));
        stores.settle(); // the removals' commits
    }

    /** The broker's output as packets; fails on anything that is not well-formed MQTT framing. */
    private static List<Reply> parse(byte[] bytes) {
        List<Reply> replies = new ArrayList<>();
        int pos = 0;
        while (pos < bytes.length) {
            int first = bytes[pos++] & 0xFF;
            int length = 0;
            for (int shift = 0; ; shift += 7) {
                assertTrue(pos < bytes.length && shift <= 21, "cut-off remaining length in the broker's output");
                int b = bytes[pos++] & 0xFF;
                length |= (b & 0x7F) << shift;
                if ((b & 0x80) == 0) {
                    break;
                }
            }
            assertTrue(pos + length <= bytes.length, "broker packet longer than its output");
            byte[] body = new byte[length];
            System.arraycopy(bytes, pos, body, 0, length);
            pos += length;
            replies.add(new Reply(first >> 4, first & 0x0F, body));
        }
        return replies;
    }
}
