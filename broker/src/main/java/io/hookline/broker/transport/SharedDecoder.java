package io.hookline.broker.transport;

import io.hookline.broker.protocol.CodecVersion;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.netty.util.Attribute;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.FastThreadLocal;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Netty's MqttDecoder, one per thread instead of one per connection. A decoder per connection
 * cost an idle connection 152 bytes (the decoder 72, its replay buffer 24, its pipeline context
 * 56) to hold state that is only ever in use while a packet is being decoded: the
 * {@link PacketFramer} hands on whole packets only, so the decoder reads each to its end within
 * one call and keeps nothing between calls. It runs in a pipeline of its own (a detached
 * {@link EmbeddedChannel}: decoder, then a stage that collects what it decodes); the protocol
 * version it needs (the codec's channel attribute, set by a CONNECT) is copied from the
 * connection's framer ({@link CodecVersion}) before a packet and back after it.
 *
 * <p>A decoder that failed a packet (Netty's decoder then discards all later input) or kept bytes
 * of one (contents that claim more than the packet holds: it would wait for the next packet's
 * bytes) is dropped and the thread gets a new one for the next packet; the framer discards the
 * rest of that connection's input, as the decoder did. Confined to its thread (one per event
 * loop); not reentrant, and nothing it calls calls back into it.
 */
final class SharedDecoder {

    /**
     * The longest string MQTT can encode: Netty's decoder must not refuse a client id itself (the
     * limit is ConnectFlow's: in bytes, counted, all versions; Netty's own check covers only MQTT
     * 3.1, counts chars, and is not counted).
     */
    static final int MAX_CLIENT_ID_LENGTH = 65_535;

    private static final Logger log = LoggerFactory.getLogger(SharedDecoder.class);

    private static final FastThreadLocal<SharedDecoder> PER_THREAD = new FastThreadLocal<>();

    /** What became of a packet. */
    enum Outcome {
        /** Decoded: an MqttMessage is in the list (failed or not, as the decoder judged it). */
        DECODED,
        /** Decoded as malformed: Netty's decoder would discard all later input, so must the caller. */
        FAILED,
        /** Its contents claim more bytes than it has: nothing decoded, the caller fails it. */
        OVERLONG
    }

    private final int maxBytes;
    private final MqttDecoder decoder;
    private final EmbeddedChannel pipeline;
    private final ChannelHandlerContext decoderContext;
    private final Attribute<MqttVersion> version;
    private List<Object> out; // where decoded packets go during a call; null otherwise
    private boolean failed; // a packet failed: Netty's decoder now discards everything

    private SharedDecoder(int maxBytes) {
        this.maxBytes = maxBytes;
        this.decoder = new MqttDecoder(maxBytes, MAX_CLIENT_ID_LENGTH);
        this.pipeline = new EmbeddedChannel(decoder, new Collector());
        this.decoderContext = pipeline.pipeline().context(decoder);
        this.version = pipeline.attr(CodecVersion.ATTRIBUTE);
    }

    /** This thread's decoder for packets of at most {@code maxBytes} remaining length. */
    static SharedDecoder forThread(int maxBytes) {
        SharedDecoder d = PER_THREAD.get();
        if (d == null || d.maxBytes != maxBytes) {
            if (d != null) {
                d.drop();
            }
            d = new SharedDecoder(maxBytes);
            PER_THREAD.set(d);
        }
        return d;
    }

    /**
     * Decodes one whole packet of the connection whose codec version {@code connection} holds into
     * {@code out} (a CONNECT sets that version) and takes over the reference to {@code packet} (a
     * contiguous buffer: a slice of the framer's).
     */
    Outcome decode(CodecVersion connection, ByteBuf packet, List<Object> out) throws Exception {
        MqttVersion before = connection.codecVersion();
        version.set(before);
        this.out = out;
        packet.retain(); // held until we looked at where the decoder left it
        boolean kept;
        try {
            decoder.channelRead(decoderContext, packet);
        } finally {
            this.out = null;
            kept = packet.isReadable(); // the decoder waits for more bytes of it
            packet.release();
            MqttVersion after = version.get();
            if (after != before) {
                connection.codecVersion(after);
            }
            if (failed || kept) {
                PER_THREAD.remove(); // the next packet on this thread gets a new decoder
                drop();
            }
        }
        return kept ? Outcome.OVERLONG : failed ? Outcome.FAILED : Outcome.DECODED;
    }

    /** Closes the detached pipeline: what the decoder still held is released, nothing passed on. */
    private void drop() {
        out = null;
        pipeline.close();
    }

    /** Last stage of the detached pipeline: hands decoded packets to the caller's list. */
    private final class Collector extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (out == null) { // bytes of a dropped decoder, decoded as it closes: their connection failed
                ReferenceCountUtil.release(msg);
                return;
            }
            if (msg instanceof MqttMessage m && m.decoderResult().isFailure()) {
                failed = true;
            }
            out.add(msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // only while a dropped decoder closes (a call's own exceptions are thrown to the framer):
            // the rest of a packet whose connection is already failing
            log.debug("bytes left in a dropped MQTT decoder: {}", cause.toString());
        }
    }
}
