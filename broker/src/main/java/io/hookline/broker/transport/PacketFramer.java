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
 * checks what that decoder does not: that a packet's contents fit its remaining length exactly
 * (3.1.1 §2.2.3, 5.0 §2.1.4; Netty would read a short packet into the next one, and ignores
 * bytes after a PUBACK's or PINGREQ's end), and the reserved bits of SUBSCRIBE options (3.1.1
 * [MQTT-3.8.3-4], 5.0 [MQTT-3.8.3-5]), which it masks away. Such a packet goes on as a failed
 * MqttMessage, answered like any malformed packet. A malformed remaining length or a packet
 * above the size limit is handed to the decoder unframed, which reports it as before; CONNECT
 * is left to the decoder and the connect timeout. One per channel; confined to its event loop.
 */
final class PacketFramer extends ByteToMessageDecoder {

    /** The attribute in which Netty's codec keeps the protocol version of the channel's CONNECT. */
    private static final AttributeKey<MqttVersion> CODEC_VERSION = AttributeKey.valueOf("NETTY_CODEC_MQTT_VERSION");

    private static final int PUBLISH = 3, PUBACK = 4, PUBCOMP = 7, SUBSCRIBE = 8, UNSUBSCRIBE = 10,
            PINGREQ = 12, DISCONNECT = 14, AUTH = 15;

    private final int maxRemainingLength;
    private boolean passThrough;   // after a packet the decoder must judge on its own: no more framing
    private boolean discard;       // after a malformed packet: the connection is closing

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
        int first = in.getUnsignedByte(start);
        MqttVersion version = ctx.channel().attr(CODEC_VERSION).get();
        String malformed = malformed(in, first, start + headerLength, remaining, version);
        if (malformed != null) {
            discard = true;
            in.skipBytes(in.readableBytes());
            MqttMessageType type = MqttMessageType.valueOf(first >> 4);
            out.add(MqttMessageFactory.newInvalidMessage(
                    new MqttFixedHeader(type, false, MqttQoS.AT_MOST_ONCE, false, remaining),
                    null, new DecoderException(malformed)));
            return;
        }
        out.add(in.readRetainedSlice(headerLength + remaining));
    }

    /**
     * Why the packet whose body is {@code length} bytes at {@code from} is malformed in a way the
     * decoder would not report, or null. Types the decoder checks fully are left to it.
     */
    private static String malformed(ByteBuf in, int first, int from, int length, MqttVersion version) {
        boolean v5 = version == MqttVersion.MQTT_5;
        int type = first >> 4;
        int end = from + length;
        switch (type) {
            case PUBLISH -> {
                int qos = first >> 1 & 3;
                int pos = length < 2 ? -1 : from + 2 + in.getUnsignedShort(from) + (qos > 0 ? 2 : 0);
                if (v5 && pos >= 0) {
                    pos = propertiesEnd(in, pos, end);
                }
                return pos < 0 || pos > end ? "PUBLISH topic or properties longer than the packet" : null;
            }
            case PUBACK, PUBACK + 1, PUBACK + 2, PUBCOMP -> {
                if (v5 ? length < 2 : length != 2) {
                    return "remaining length " + length + " for a PUBACK, PUBREC, PUBREL or PUBCOMP";
                }
                return v5 && length > 3 && propertiesEnd(in, from + 3, end) != end
                        ? "properties do not fill the packet" : null;
            }
            case PINGREQ -> {
                return length == 0 ? null : "PINGREQ with a body";
            }
            case DISCONNECT, AUTH -> {
                if (!v5) {
                    return length == 0 ? null : (type == AUTH ? "AUTH" : "DISCONNECT") + " with a body";
                }
                return length > 1 && propertiesEnd(in, from + 1, end) != end
                        ? "properties do not fill the packet" : null;
            }
            case SUBSCRIBE, UNSUBSCRIBE -> {
                return topicFilters(in, type == SUBSCRIBE, from, end, v5);
            }
            default -> {
                return null;
            }
        }
    }

    /** Checks the topic filters (and for SUBSCRIBE the reserved option bits) fill the packet exactly. */
    private static String topicFilters(ByteBuf in, boolean subscribe, int from, int end, boolean v5) {
        int pos = from + 2;                      // packet identifier
        if (v5 && pos <= end) {
            pos = propertiesEnd(in, pos, end);
        }
        if (pos < 0 || pos > end) {
            return "packet identifier or properties longer than the packet";
        }
        int reserved = v5 ? 0xC0 : 0xFC;
        while (pos < end) {
            if (pos + 2 > end) {
                return "topic filter cut off";
            }
            pos += 2 + in.getUnsignedShort(pos);
            if (subscribe) {
                if (pos >= end) {
                    return "subscription options cut off";
                }
                int options = in.getUnsignedByte(pos++);
                if ((options & reserved) != 0) {
                    return "reserved bits set in subscription options 0x" + Integer.toHexString(options);
                }
            }
            if (pos > end) {
                return "topic filter longer than the packet";
            }
        }
        return null;
    }

    /** The index after the property block at {@code pos}, or -1 when it does not fit before {@code end}. */
    private static int propertiesEnd(ByteBuf in, int pos, int end) {
        int length = 0;
        for (int shift = 0; ; shift += 7) {
            if (pos >= end || shift > 21) {
                return -1;
            }
            int digit = in.getUnsignedByte(pos++);
            length |= (digit & 0x7F) << shift;
            if ((digit & 0x80) == 0) {
                break;
            }
        }
        return pos + length <= end ? pos + length : -1;
    }
}
