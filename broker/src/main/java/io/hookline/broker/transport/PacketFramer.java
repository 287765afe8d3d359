package io.hookline.broker.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessageFactory;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.netty.util.AttributeKey;

import java.util.List;

/**
 * Cuts the byte stream into whole MQTT packets (zero-copy slices) for Netty's MqttDecoder, and
 * checks what that decoder throws away: the reserved bits of SUBSCRIBE options (3.1.1
 * [MQTT-3.8.3-4], 5.0 [MQTT-3.8.3-5]). A bad SUBSCRIBE goes on as a failed MqttMessage, which
 * the connection answers like any malformed packet. A malformed remaining length or a packet
 * above the size limit is handed to the decoder unframed, which reports it as before.
 * One per channel; confined to its event loop.
 */
final class PacketFramer extends ByteToMessageDecoder {

    /** The attribute in which Netty's codec keeps the protocol version of the channel's CONNECT. */
    private static final AttributeKey<MqttVersion> CODEC_VERSION = AttributeKey.valueOf("NETTY_CODEC_MQTT_VERSION");

    private final int maxRemainingLength;
    private boolean passThrough;   // after a packet the decoder must judge on its own: no more framing
    private boolean discard;       // after a bad SUBSCRIBE: the connection is closing

    PacketFramer(int maxRemainingLength) {
        this.maxRemainingLength = maxRemainingLength;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (discard) {
            in.skipBytes(in.readableBytes());
            return;
        }
        if (passThrough) {
            out.add(in.readRetainedSlice(in.readableBytes()));
            return;
        }
        int start = in.readerIndex();
        int remaining = 0;
        int headerLength = 1;
        while (true) {
            if (headerLength == 5) {            // a fifth length byte: malformed, the decoder says so
                passThrough = true;
                out.add(in.readRetainedSlice(in.readableBytes()));
                return;
            }
            if (start + headerLength >= in.writerIndex()) {
                return;                          // wait for the rest of the header
            }
            int digit = in.getUnsignedByte(start + headerLength);
            remaining |= (digit & 0x7F) << 7 * (headerLength - 1);
            headerLength++;
            if ((digit & 0x80) == 0) {
                break;
            }
        }
        if (remaining > maxRemainingLength) {    // the decoder refuses it after its variable header
            passThrough = true;
            out.add(in.readRetainedSlice(in.readableBytes()));
            return;
        }
        if (in.readableBytes() < headerLength + remaining) {
            return;
        }
        int type = in.getUnsignedByte(start) >> 4;
        if (type == MqttMessageType.SUBSCRIBE.value()) {
            String bad = reservedOptionBits(in, start + headerLength, remaining, ctx.channel().attr(CODEC_VERSION).get());
            if (bad != null) {
                discard = true;
                in.skipBytes(in.readableBytes());
                out.add(MqttMessageFactory.newInvalidMessage(
                        new MqttFixedHeader(MqttMessageType.SUBSCRIBE, false, MqttQoS.AT_LEAST_ONCE, false, remaining),
                        null, new DecoderException(bad)));
                return;
            }
        }
        out.add(in.readRetainedSlice(headerLength + remaining));
    }

    /** Why the SUBSCRIBE at {@code from} has reserved option bits set, or null (also when it does not parse: the decoder judges). */
    private static String reservedOptionBits(ByteBuf in, int from, int length, MqttVersion version) {
        int end = from + length;
        int pos = from + 2;                      // packet identifier
        int reserved = version == MqttVersion.MQTT_5 ? 0xC0 : 0xFC;
        if (version == MqttVersion.MQTT_5) {
            int propertiesLength = 0;
            for (int shift = 0; ; shift += 7) {
                if (pos >= end || shift > 21) {
                    return null;
                }
                int digit = in.getUnsignedByte(pos++);
                propertiesLength |= (digit & 0x7F) << shift;
                if ((digit & 0x80) == 0) {
                    break;
                }
            }
            pos += propertiesLength;
        }
        while (pos + 2 < end) {
            pos += 2 + in.getUnsignedShort(pos);
            if (pos >= end) {
                return null;
            }
            int options = in.getUnsignedByte(pos++);
            if ((options & reserved) != 0) {
                return "reserved bits set in subscription options 0x" + Integer.toHexString(options);
            }
        }
        return null;
    }
}
