package io.hookline.broker.protocol;

import io.hookline.broker.routing.Delivery;
import io.hookline.broker.routing.Message;
import io.hookline.broker.routing.PublishProperties;
import io.hookline.broker.routing.UserProperty;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.MessageToMessageEncoder;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.codec.mqtt.MqttMessage;
import java.util.List;

/**
 * Encodes {@link OutgoingPublish} as a small header buffer (fixed header, topic, packet id,
 * properties) followed by the message's payload array wrapped, not copied, so a message
 * fanned out to many subscribers is never copied per subscriber; the socket write gathers the
 * two. Netty's MqttEncoder, which copies the payload, still encodes every other packet, run
 * from this handler ({@link #write}). Stateless and sharable: connections do not hold it in their
 * pipelines; the transport's framer runs one per event loop for all of them.
 */
@Sharable
public final class PublishEncoder extends MessageToMessageEncoder<OutgoingPublish> {

    public static final PublishEncoder INSTANCE = new PublishEncoder();

    // MQTT 5 property identifiers (§2.2.2.2)
    private static final int PAYLOAD_FORMAT_INDICATOR = 0x01;
    private static final int MESSAGE_EXPIRY_INTERVAL = 0x02;
    private static final int CONTENT_TYPE = 0x03;
    private static final int RESPONSE_TOPIC = 0x08;
    private static final int CORRELATION_DATA = 0x09;
    private static final int SUBSCRIPTION_IDENTIFIER = 0x0B;
    private static final int TOPIC_ALIAS = 0x23;
    private static final int USER_PROPERTY = 0x26;

    private PublishEncoder() {}

    /** {@link OutgoingPublish} here, any other {@link MqttMessage} by Netty's encoder in this stage. */
    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        if (msg instanceof MqttMessage) {
            MqttEncoder.INSTANCE.write(ctx, msg, promise);
        } else {
            super.write(ctx, msg, promise);
        }
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, OutgoingPublish p, List<Object> out) {
        Message m = p.delivery().message();
        int qos = p.delivery().qos();
        byte[] payload = m.payload();
        int topicLength = ByteBufUtil.utf8Bytes(p.topic());
        int propertiesLength = p.mqtt5()
                ? propertiesLength(
                                m.properties(),
                                p.remainingExpiry(),
                                p.delivery().subscriptionIds())
                        + (p.topicAlias() > 0 ? 3 : 0)
                : 0;
        int variableHeader =
                2 + topicLength + (qos > 0 ? 2 : 0) + (p.mqtt5() ? varIntSize(propertiesLength) + propertiesLength : 0);
        int remaining = variableHeader + payload.length;

        ByteBuf header = ctx.alloc().ioBuffer(1 + varIntSize(remaining) + variableHeader);
        header.writeByte(0x30 | (p.dup() ? 0x08 : 0) | qos << 1 | (p.delivery().retain() ? 0x01 : 0));
        writeVarInt(header, remaining);
        header.writeShort(topicLength);
        ByteBufUtil.reserveAndWriteUtf8(header, p.topic(), topicLength);
        if (qos > 0) {
            header.writeShort(p.packetId());
        }
        if (p.mqtt5()) {
            writeVarInt(header, propertiesLength);
            writeProperties(
                    header, m.properties(), p.remainingExpiry(), p.delivery().subscriptionIds());
            if (p.topicAlias() > 0) {
                header.writeByte(TOPIC_ALIAS).writeShort(p.topicAlias());
            }
        }
        out.add(header);
        if (payload.length > 0) {
            out.add(Unpooled.wrappedBuffer(payload));
        }
    }

    /** Bytes of the whole PUBLISH packet, for the client's Maximum Packet Size. */
    static long packetSize(Delivery delivery, String topic, boolean mqtt5, long remainingExpiry) {
        Message m = delivery.message();
        int properties = mqtt5 ? propertiesLength(m.properties(), remainingExpiry, delivery.subscriptionIds()) : 0;
        long remaining = 2L
                + ByteBufUtil.utf8Bytes(topic)
                + (delivery.qos() > 0 ? 2 : 0)
                + (mqtt5 ? varIntSize(properties) + properties : 0)
                + m.payload().length;
        return 1 + varIntSize((int) Math.min(remaining, Integer.MAX_VALUE)) + remaining;
    }

    private static int propertiesLength(PublishProperties props, long expiry, List<Integer> subscriptionIds) {
        int n = 0;
        if (props.payloadFormatIndicator() != null) {
            n += 2;
        }
        if (expiry >= 0) {
            n += 5;
        }
        if (props.contentType() != null) {
            n += 3 + ByteBufUtil.utf8Bytes(props.contentType());
        }
        if (props.responseTopic() != null) {
            n += 3 + ByteBufUtil.utf8Bytes(props.responseTopic());
        }
        if (props.correlationData() != null) {
            n += 3 + props.correlationData().length;
        }
        for (UserProperty u : props.userProperties()) {
            n += 5 + ByteBufUtil.utf8Bytes(u.key()) + ByteBufUtil.utf8Bytes(u.value());
        }
        for (int id : subscriptionIds) {
            n += 1 + varIntSize(id);
        }
        return n;
    }

    private static void writeProperties(ByteBuf buf, PublishProperties props, long expiry, List<Integer> ids) {
        if (props.payloadFormatIndicator() != null) {
            buf.writeByte(PAYLOAD_FORMAT_INDICATOR).writeByte(props.payloadFormatIndicator());
        }
        if (expiry >= 0) {
            buf.writeByte(MESSAGE_EXPIRY_INTERVAL).writeInt((int) expiry);
        }
        if (props.contentType() != null) {
            buf.writeByte(CONTENT_TYPE);
            writeString(buf, props.contentType());
        }
        if (props.responseTopic() != null) {
            buf.writeByte(RESPONSE_TOPIC);
            writeString(buf, props.responseTopic());
        }
        if (props.correlationData() != null) {
            buf.writeByte(CORRELATION_DATA)
                    .writeShort(props.correlationData().length)
                    .writeBytes(props.correlationData());
        }
        for (UserProperty u : props.userProperties()) {
            buf.writeByte(USER_PROPERTY);
            writeString(buf, u.key());
            writeString(buf, u.value());
        }
        for (int id : ids) {
            buf.writeByte(SUBSCRIPTION_IDENTIFIER);
            writeVarInt(buf, id);
        }
    }

    private static void writeString(ByteBuf buf, String s) {
        int length = ByteBufUtil.utf8Bytes(s);
        buf.writeShort(length);
        ByteBufUtil.reserveAndWriteUtf8(buf, s, length);
    }

    static int varIntSize(int value) {
        return value < 128 ? 1 : value < 16_384 ? 2 : value < 2_097_152 ? 3 : 4;
    }

    private static void writeVarInt(ByteBuf buf, int value) {
        do {
            int digit = value & 0x7F;
            value >>>= 7;
            buf.writeByte(value > 0 ? digit | 0x80 : digit);
        } while (value > 0);
    }
}
