package io.hookline.broker.transport;

import io.hookline.broker.protocol.Bridge;
import io.hookline.broker.protocol.CodecVersion;
import io.hookline.broker.protocol.ProtocolViolation;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandler;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessageFactory;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttVersion;
import java.net.SocketAddress;
import java.util.List;

/**
 * Cuts the byte stream into whole MQTT packets (zero-copy slices) and decodes each with Netty's
 * MqttDecoder, one per event loop ({@link SharedDecoder}: whole packets leave it nothing to keep
 * between them, so a connection needs no decoder of its own), and
 * checks what that decoder does not: that a packet's contents fit its remaining length exactly
 * (3.1.1 §2.2.3, 5.0 §2.1.4; Netty would read a short packet into the next one, and ignores
 * bytes after a PUBACK's or PINGREQ's end), the reserved bits of SUBSCRIBE options (3.1.1
 * [MQTT-3.8.3-4], 5.0 [MQTT-3.8.3-5]), which it masks away, and MQTT 5 property blocks
 * ({@link PacketChecks}). Such a packet goes on as a failed MqttMessage, answered like any
 * malformed packet (or, for a {@link ProtocolViolation}, like a protocol error).
 *
 * <p>Before the first CONNECT the type and size are judged as soon as the fixed header is
 * read, so nothing is buffered for a peer that is not an MQTT client: a first byte other than
 * CONNECT's (an HTTP request, say) fails at once, and so does a CONNECT longer than
 * {@code maxConnectLength} (max_connect_size). A CONNECT is checked field by field
 * ({@link PacketChecks#connect}) before Netty decodes it; a CONNECT with the bridge bit
 * (protocol level 0x83/0x84) is decoded without it and the channel marked ({@link Bridge}).
 * A packet above {@code maxRemainingLength} fails when its header is read and the rest of the
 * input is discarded.
 *
 * <p>It is the encoding stage as well: packets written to the channel are encoded here, by an
 * encoder per event loop ({@link SharedEncoder}). On a plain TCP listener it is the first stage
 * and also counts the bytes in and out and the connection's close for the listener
 * ({@link ByteCounter}). It keeps the protocol version the codec uses for its connection
 * ({@link CodecVersion}: a field here, where Netty's codec would add a channel attribute to
 * every connection). One per channel; confined to its event loop.
 */
final class PacketFramer extends ByteToMessageDecoder implements ChannelOutboundHandler, CodecVersion {

    private static final int CONNECT = 1,
            PUBLISH = 3,
            PUBACK = 4,
            PUBCOMP = 7,
            SUBSCRIBE = 8,
            UNSUBSCRIBE = 10,
            PINGREQ = 12,
            DISCONNECT = 14,
            AUTH = 15;

    private final int maxRemainingLength;
    private final int maxConnectLength;
    private final ByteCounter counter; // null: a "bytes" stage in front counts
    private boolean connectSeen; // a CONNECT went on to the decoder: other packets may follow
    private boolean passThrough; // after a packet the decoder must judge on its own: no more framing
    private boolean discard; // after a malformed packet: the connection is closing
    private MqttVersion version; // the codec's: set by the CONNECT the decoder read; null before (fits the padding)

    PacketFramer(int maxRemainingLength) {
        this(maxRemainingLength, maxRemainingLength);
    }

    PacketFramer(int maxRemainingLength, int maxConnectLength) {
        this(maxRemainingLength, maxConnectLength, null);
    }

    PacketFramer(int maxRemainingLength, int maxConnectLength, ByteCounter counter) {
        this.maxRemainingLength = maxRemainingLength;
        this.maxConnectLength = Math.min(maxConnectLength, maxRemainingLength);
        this.counter = counter;
    }

    @Override
    public MqttVersion codecVersion() {
        return version;
    }

    @Override
    public void codecVersion(MqttVersion version) {
        this.version = version;
    }

    // ---- counting, when first in the pipeline; outbound operations pass through ------------------

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (counter != null) {
            counter.in(msg);
        }
        super.channelRead(ctx, msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (counter != null) {
            counter.closed();
        }
        super.channelInactive(ctx);
    }

    /** MQTT packets are encoded here ({@link SharedEncoder}); bytes pass through. */
    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        if (msg instanceof ByteBuf) {
            if (counter != null) {
                counter.out(msg);
            }
            ctx.write(msg, promise);
            return;
        }
        SharedEncoder.forThread().write(ctx, msg, promise, version, counter);
    }

    @Override
    public void bind(ChannelHandlerContext ctx, SocketAddress localAddress, ChannelPromise promise) {
        ctx.bind(localAddress, promise);
    }

    @Override
    public void connect(
            ChannelHandlerContext ctx,
            SocketAddress remoteAddress,
            SocketAddress localAddress,
            ChannelPromise promise) {
        ctx.connect(remoteAddress, localAddress, promise);
    }

    @Override
    public void disconnect(ChannelHandlerContext ctx, ChannelPromise promise) {
        ctx.disconnect(promise);
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        ctx.close(promise);
    }

    @Override
    public void deregister(ChannelHandlerContext ctx, ChannelPromise promise) {
        ctx.deregister(promise);
    }

    @Override
    public void read(ChannelHandlerContext ctx) {
        ctx.read();
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        ctx.flush();
    }

    // ---- framing --------------------------------------------------------------------------------

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
        if (discard) {
            in.skipBytes(in.readableBytes());
            return;
        }
        if (passThrough) {
            decodePacket(ctx, in, in.readableBytes(), out, in.getUnsignedByte(in.readerIndex()), 0);
            return;
        }
        int start = in.readerIndex();
        int first = in.getUnsignedByte(start);
        if (!connectSeen && first != CONNECT << 4) {
            fail(
                    in,
                    out,
                    first,
                    0,
                    first >> 4 == CONNECT
                            ? new DecoderException("reserved flags set in the CONNECT fixed header")
                            : new ProtocolViolation("packet type " + (first >> 4) + " before CONNECT"));
            return;
        }
        int remaining = 0;
        int headerLength = 1;
        while (true) {
            if (headerLength == 5) { // a fifth length byte: malformed, the decoder says so
                passThrough = true;
                decodePacket(ctx, in, in.readableBytes(), out, first, 0);
                return;
            }
            if (start + headerLength >= in.writerIndex()) {
                return; // wait for the rest of the header
            }
            int digit = in.getUnsignedByte(start + headerLength);
            remaining |= (digit & 0x7F) << 7 * (headerLength - 1);
            headerLength++;
            if ((digit & 0x80) == 0) {
                break;
            }
        }
        int body = start + headerLength;
        if (first >> 4 == CONNECT && remaining > maxConnectLength) {
            // wait for the protocol name and level (at most 9 bytes), so a v5 client hears 0x95
            int level = PacketChecks.connectLevel(in, body, in.writerIndex());
            int nameLength = in.readableBytes() >= headerLength + 2 ? in.getUnsignedShort(body) : 0;
            if (level < 0
                    && (nameLength == 4 || nameLength == 6)
                    && in.readableBytes() < headerLength + 3 + nameLength) {
                return;
            }
            if (level >= 0 && PacketChecks.knownProtocol(in, body, level & 0x7F)) {
                markVersion(level & 0x7F);
            }
            fail(
                    in,
                    out,
                    first,
                    remaining,
                    new TooLongFrameException(
                            "CONNECT of " + remaining + " bytes, above max_connect_size " + maxConnectLength));
            return;
        }
        if (remaining > maxRemainingLength) { // refused from its header: nothing of it is kept
            fail(
                    in,
                    out,
                    first,
                    remaining,
                    new TooLongFrameException(
                            "packet of " + remaining + " bytes, above max_message_size " + maxRemainingLength));
            return;
        }
        if (in.readableBytes() < headerLength + remaining) {
            return;
        }
        if (first >> 4 == CONNECT) {
            connect(ctx, in, out, first, headerLength, remaining);
            return;
        }
        PacketChecks.Finding finding = check(in, first, body, remaining, version);
        if (finding != null) {
            fail(
                    in,
                    out,
                    first,
                    remaining,
                    finding.protocolError()
                            ? new ProtocolViolation(finding.why())
                            : new DecoderException(finding.why()));
            return;
        }
        decodePacket(ctx, in, headerLength + remaining, out, first, remaining);
    }

    /**
     * Decodes the next {@code length} bytes of {@code in} (a whole packet, or after a malformed
     * header the rest of the input) with this thread's MQTT decoder ({@link SharedDecoder}).
     */
    private void decodePacket(
            ChannelHandlerContext ctx, ByteBuf in, int length, List<Object> out, int first, int remaining)
            throws Exception {
        decodePacket(ctx, in, in.readRetainedSlice(length), out, first, remaining);
    }

    private void decodePacket(
            ChannelHandlerContext ctx, ByteBuf in, ByteBuf packet, List<Object> out, int first, int remaining)
            throws Exception {
        switch (SharedDecoder.forThread(maxRemainingLength).decode(this, packet, out)) {
            case DECODED -> {}
            case FAILED -> { // the decoder said why; like it, ignore whatever follows
                discard = true;
                in.skipBytes(in.readableBytes());
            }
            case OVERLONG ->
                fail(
                        in,
                        out,
                        first,
                        remaining,
                        new DecoderException("packet contents longer than its remaining length " + remaining));
        }
    }

    /** A whole CONNECT: checked field by field, bridge bit taken off, then on to the decoder. */
    private void connect(
            ChannelHandlerContext ctx, ByteBuf in, List<Object> out, int first, int headerLength, int remaining)
            throws Exception {
        int start = in.readerIndex();
        int body = start + headerLength;
        int end = body + remaining;
        int level = PacketChecks.connectLevel(in, body, end);
        if (level < 0) {
            fail(in, out, first, remaining, new DecoderException("CONNECT too short for its protocol name and level"));
            return;
        }
        int plain = level & 0x7F;
        boolean bridge = level != plain && (plain == 3 || plain == 4);
        if (!PacketChecks.knownProtocol(in, body, bridge ? plain : level)) {
            connectSeen = true; // the decoder answers an unknown protocol with CONNACK 0x01
            decodePacket(ctx, in, headerLength + remaining, out, first, remaining);
            return;
        }
        PacketChecks.Finding finding = PacketChecks.connect(in, body, end, plain);
        if (finding != null) {
            markVersion(plain);
            fail(
                    in,
                    out,
                    first,
                    remaining,
                    finding.protocolError()
                            ? new ProtocolViolation(finding.why())
                            : new DecoderException(finding.why()));
            return;
        }
        connectSeen = true;
        if (!bridge) {
            decodePacket(ctx, in, headerLength + remaining, out, first, remaining);
            return;
        }
        ctx.channel().attr(Bridge.ATTRIBUTE).set(Boolean.TRUE);
        ByteBuf copy = in.readRetainedSlice(headerLength + remaining);
        ByteBuf plainConnect = ctx.alloc().buffer(copy.readableBytes());
        plainConnect.writeBytes(copy);
        copy.release();
        plainConnect.setByte(headerLength + 2 + plainConnect.getUnsignedShort(headerLength), plain);
        decodePacket(ctx, in, plainConnect, out, first, remaining);
    }

    /** For a failing CONNECT of a known level: lets the connection answer a v5 client in v5. */
    private void markVersion(int level) {
        if (level == 5 && version == null) {
            version = MqttVersion.MQTT_5;
        }
    }

    /** Hands on a failed packet and discards everything after it: the connection is closing. */
    private void fail(ByteBuf in, List<Object> out, int first, int remaining, DecoderException cause) {
        discard = true;
        in.skipBytes(in.readableBytes());
        int type = first >> 4;
        MqttFixedHeader header = type == 0
                ? null
                : new MqttFixedHeader(MqttMessageType.valueOf(type), false, MqttQoS.AT_MOST_ONCE, false, remaining);
        out.add(MqttMessageFactory.newInvalidMessage(header, null, cause));
    }

    /**
     * What is wrong with the packet whose body is {@code length} bytes at {@code from} that the
     * decoder would not report, or null. Types the decoder checks fully are left to it.
     */
    private static PacketChecks.Finding check(ByteBuf in, int first, int from, int length, MqttVersion version) {
        boolean v5 = version == MqttVersion.MQTT_5;
        int type = first >> 4;
        int end = from + length;
        switch (type) {
            case PUBLISH -> {
                int qos = first >> 1 & 3;
                int pos = length < 2 ? -1 : from + 2 + in.getUnsignedShort(from) + (qos > 0 ? 2 : 0);
                if (v5 && pos >= 0 && pos <= end) {
                    pos = PacketChecks.properties(in, pos, end);
                    if (pos < PacketChecks.DOES_NOT_FIT) {
                        return PacketChecks.propertyFinding(pos, "PUBLISH");
                    }
                }
                return pos < 0 || pos > end
                        ? PacketChecks.Finding.malformed("PUBLISH topic or properties longer than the packet")
                        : null;
            }
            case PUBACK, PUBACK + 1, PUBACK + 2, PUBCOMP -> {
                if (v5 ? length < 2 : length != 2) {
                    return PacketChecks.Finding.malformed(
                            "remaining length " + length + " for a PUBACK, PUBREC, PUBREL or PUBCOMP");
                }
                return v5 && length > 3 ? wholeProperties(in, from + 3, end, "an acknowledgement") : null;
            }
            case PINGREQ -> {
                return length == 0 ? null : PacketChecks.Finding.malformed("PINGREQ with a body");
            }
            case DISCONNECT, AUTH -> {
                if (!v5) {
                    return length == 0
                            ? null
                            : PacketChecks.Finding.malformed((type == AUTH ? "AUTH" : "DISCONNECT") + " with a body");
                }
                return length > 1 ? wholeProperties(in, from + 1, end, type == AUTH ? "AUTH" : "DISCONNECT") : null;
            }
            case SUBSCRIBE, UNSUBSCRIBE -> {
                return topicFilters(in, type == SUBSCRIBE, from, end, v5);
            }
            default -> {
                return null;
            }
        }
    }

    /** A property block that must end where the packet ends. */
    private static PacketChecks.Finding wholeProperties(ByteBuf in, int pos, int end, String what) {
        int after = PacketChecks.properties(in, pos, end);
        if (after < 0) {
            return PacketChecks.propertyFinding(after, what);
        }
        return after == end ? null : PacketChecks.Finding.malformed("properties do not fill the packet");
    }

    /** Checks the topic filters (and for SUBSCRIBE the reserved option bits) fill the packet exactly. */
    private static PacketChecks.Finding topicFilters(ByteBuf in, boolean subscribe, int from, int end, boolean v5) {
        String what = subscribe ? "SUBSCRIBE" : "UNSUBSCRIBE";
        int pos = from + 2; // packet identifier
        if (v5 && pos <= end) {
            pos = PacketChecks.properties(in, pos, end);
            if (pos < PacketChecks.DOES_NOT_FIT) {
                return PacketChecks.propertyFinding(pos, what);
            }
        }
        if (pos < 0 || pos > end) {
            return PacketChecks.Finding.malformed("packet identifier or properties longer than the packet");
        }
        int reserved = v5 ? 0xC0 : 0xFC;
        while (pos < end) {
            if (pos + 2 > end) {
                return PacketChecks.Finding.malformed("topic filter cut off");
            }
            pos += 2 + in.getUnsignedShort(pos);
            if (subscribe) {
                if (pos >= end) {
                    return PacketChecks.Finding.malformed("subscription options cut off");
                }
                int options = in.getUnsignedByte(pos++);
                if ((options & reserved) != 0) {
                    return PacketChecks.Finding.malformed(
                            "reserved bits set in subscription options 0x" + Integer.toHexString(options));
                }
            }
            if (pos > end) {
                return PacketChecks.Finding.malformed("topic filter longer than the packet");
            }
        }
        return null;
    }
}
