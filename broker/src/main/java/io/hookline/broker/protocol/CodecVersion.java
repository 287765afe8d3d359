package io.hookline.broker.protocol;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.netty.util.AttributeKey;

/**
 * The protocol version a connection's MQTT codec reads and writes with: set by the CONNECT the
 * decoder reads, put back by {@link ConnectFlow#restoreCodecVersion} after a second one. Netty's
 * codec keeps it in a channel attribute (48 B on every connection: the attribute and the channel's
 * attribute table); the transport's framing stage, which runs the codec for its connection, keeps
 * it in a field and is this stage. Confined to the channel's event loop.
 */
public interface CodecVersion extends ChannelHandler {

    /** The attribute in which Netty's codec keeps the version, where no stage of the pipeline holds it. */
    AttributeKey<MqttVersion> ATTRIBUTE = AttributeKey.valueOf("NETTY_CODEC_MQTT_VERSION");

    /** The version decoded from the connection's CONNECT, or null before one was decoded. */
    MqttVersion codecVersion();

    void codecVersion(MqttVersion version);

    /** The version of the connection of {@code ctx}: its framing stage's, else Netty's attribute; null if none. */
    static MqttVersion of(ChannelHandlerContext ctx) {
        CodecVersion holder = ctx.pipeline().get(CodecVersion.class);
        if (holder != null) {
            return holder.codecVersion();
        }
        // hasAttr first: attr() would add an empty attribute to the channel
        return ctx.channel().hasAttr(ATTRIBUTE) ? ctx.channel().attr(ATTRIBUTE).get() : null;
    }

    /** Sets the version of the connection of {@code ctx}, where {@link #of} reads it. */
    static void set(ChannelHandlerContext ctx, MqttVersion version) {
        CodecVersion holder = ctx.pipeline().get(CodecVersion.class);
        if (holder != null) {
            holder.codecVersion(version);
        } else {
            ctx.channel().attr(ATTRIBUTE).set(version);
        }
    }
}
