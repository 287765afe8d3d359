package io.hookline.broker.protocol;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttSubscribeMessage;
import io.netty.handler.codec.mqtt.MqttUnsubscribeMessage;
import java.util.stream.Collectors;

/**
 * The packet tap of a traced client: in the pipeline only while someone traces it, in front
 * of the connection, so it sees decoded packets in and packets out before encoding; removes
 * itself when the trace ends. Confined to the channel's event loop.
 */
final class TraceHandler extends ChannelDuplexHandler {
    private final ClientTraces traces;
    private final String mountpoint;
    private final String clientId;

    TraceHandler(ClientTraces traces, String mountpoint, String clientId) {
        this.traces = traces;
        this.mountpoint = mountpoint;
        this.clientId = clientId;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (check(ctx) && msg instanceof MqttMessage m) {
            traces.emit(mountpoint, clientId, "in  " + describe(m));
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (check(ctx)) {
            if (msg instanceof MqttMessage m) {
                traces.emit(mountpoint, clientId, "out " + describe(m));
            } else if (msg instanceof OutgoingPublish p) {
                traces.emit(
                        mountpoint,
                        clientId,
                        "out PUBLISH topic=" + p.topic() + " qos="
                                + p.delivery().qos()
                                + " packet_id=" + p.packetId() + " retain="
                                + p.delivery().retain()
                                + " payload_bytes=" + p.delivery().message().payload().length);
            }
        }
        ctx.write(msg, promise);
    }

    private boolean check(ChannelHandlerContext ctx) {
        if (traces.traced(mountpoint, clientId)) {
            return true;
        }
        ctx.pipeline().remove(this);
        return false;
    }

    static String describe(MqttMessage m) {
        if (m.fixedHeader() == null) {
            return "malformed packet";
        }
        StringBuilder b = new StringBuilder(m.fixedHeader().messageType().name());
        if (m instanceof MqttPublishMessage p) {
            b.append(" topic=")
                    .append(p.variableHeader().topicName())
                    .append(" qos=")
                    .append(p.fixedHeader().qosLevel().value())
                    .append(" packet_id=")
                    .append(p.variableHeader().packetId())
                    .append(" retain=")
                    .append(p.fixedHeader().isRetain())
                    .append(" payload_bytes=")
                    .append(p.payload().readableBytes());
        } else if (m instanceof MqttSubscribeMessage s) {
            b.append(" packet_id=")
                    .append(s.variableHeader().messageId())
                    .append(" topics=")
                    .append(s.payload().topicSubscriptions().stream()
                            .map(t -> t.topicName() + ":" + t.qualityOfService().value())
                            .collect(Collectors.joining(",")));
        } else if (m instanceof MqttUnsubscribeMessage u) {
            b.append(" packet_id=")
                    .append(u.variableHeader().messageId())
                    .append(" topics=")
                    .append(String.join(",", u.payload().topics()));
        } else if (m instanceof MqttConnAckMessage c) {
            b.append(" code=")
                    .append(c.variableHeader().connectReturnCode().byteValue() & 0xFF)
                    .append(" session_present=")
                    .append(c.variableHeader().isSessionPresent());
        } else if (m.variableHeader() instanceof MqttMessageIdVariableHeader id) {
            b.append(" packet_id=").append(id.messageId());
        }
        return b.toString();
    }
}
