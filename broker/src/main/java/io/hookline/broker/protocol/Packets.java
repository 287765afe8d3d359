package io.hookline.broker.protocol;

import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnAckVariableHeader;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageIdAndPropertiesVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.MqttProperty;
import io.netty.handler.codec.mqtt.MqttProperties.MqttPropertyType;
import io.netty.handler.codec.mqtt.MqttProperties.StringPair;
import io.netty.handler.codec.mqtt.MqttPubReplyMessageVariableHeader;
import io.netty.handler.codec.mqtt.MqttPublishVariableHeader;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttReasonCodeAndPropertiesVariableHeader;
import io.netty.handler.codec.mqtt.MqttSubAckMessage;
import io.netty.handler.codec.mqtt.MqttSubAckPayload;
import io.netty.handler.codec.mqtt.MqttUnsubAckMessage;
import io.netty.handler.codec.mqtt.MqttUnsubAckPayload;
import java.util.List;
import java.util.Set;

/**
 * Builders for the packets the broker sends (other than PUBLISH), and the MQTT 5 property rules
 * for the packets it receives. Stateless.
 */
final class Packets {
    private Packets() {}

    // MQTT 5 §2.2.2.2: which properties each packet a client sends may carry
    private static final Set<Integer> CONNECT_PROPERTIES = Set.of(0x11, 0x21, 0x27, 0x22, 0x19, 0x17, 0x26, 0x15, 0x16);
    private static final Set<Integer> WILL_PROPERTIES = Set.of(0x18, 0x01, 0x02, 0x03, 0x08, 0x09, 0x26);
    private static final Set<Integer> PUBLISH_PROPERTIES = Set.of(0x01, 0x02, 0x23, 0x08, 0x09, 0x26, 0x0B, 0x03);
    private static final Set<Integer> ACK_PROPERTIES = Set.of(0x1F, 0x26);
    private static final Set<Integer> SUBSCRIBE_PROPERTIES = Set.of(0x0B, 0x26);
    private static final Set<Integer> UNSUBSCRIBE_PROPERTIES = Set.of(0x26);
    private static final Set<Integer> DISCONNECT_PROPERTIES = Set.of(0x11, 0x1F, 0x26, 0x1C);
    private static final Set<Integer> AUTH_PROPERTIES = Set.of(0x15, 0x16, 0x1F, 0x26);

    /**
     * Why {@code props} make a packet of {@code type} malformed (5.0 §2.2.2.2: a property the packet
     * may not carry; §1.5.4: an ill-formed UTF-8 string), or null when they are fine. Netty decodes
     * any known property in any packet and UTF-8 leniently, so this is where both are caught.
     */
    static String malformedProperties(MqttMessageType type, MqttProperties props) {
        return malformedProperties(
                switch (type) {
                    case CONNECT -> CONNECT_PROPERTIES;
                    case PUBLISH -> PUBLISH_PROPERTIES;
                    case PUBACK, PUBREC, PUBREL, PUBCOMP -> ACK_PROPERTIES;
                    case SUBSCRIBE -> SUBSCRIBE_PROPERTIES;
                    case UNSUBSCRIBE -> UNSUBSCRIBE_PROPERTIES;
                    case DISCONNECT -> DISCONNECT_PROPERTIES;
                    case AUTH -> AUTH_PROPERTIES;
                    default -> Set.of();
                },
                props,
                type.name());
    }

    /** As {@link #malformedProperties(MqttMessageType, MqttProperties)} for the will properties of a CONNECT. */
    static String malformedWillProperties(MqttProperties props) {
        return malformedProperties(WILL_PROPERTIES, props, "will");
    }

    private static String malformedProperties(Set<Integer> allowed, MqttProperties props, String what) {
        if (props == null) {
            return null;
        }
        // not props.isEmpty(): Netty's ignores user properties and subscription identifiers
        for (MqttProperty<?> p : props.listAll()) {
            if (!allowed.contains(p.propertyId())) {
                return "property 0x" + Integer.toHexString(p.propertyId()) + " is not allowed in " + what;
            }
            if (!wellFormed(p.value())) {
                return "ill-formed UTF-8 in property 0x" + Integer.toHexString(p.propertyId()) + " of " + what;
            }
        }
        return null;
    }

    // a string, a user property, or the list of user properties listAll() folds them into
    private static boolean wellFormed(Object value) {
        if (value instanceof String s) {
            return Strings.wellFormed(s);
        } else if (value instanceof StringPair pair) {
            return Strings.wellFormed(pair.key) && Strings.wellFormed(pair.value);
        } else if (value instanceof List<?> list) {
            return list.stream().allMatch(Packets::wellFormed);
        }
        return true;
    }

    /** The properties of a decoded packet's variable header; none for 3.x packets and PINGREQ. */
    static MqttProperties properties(MqttMessage m) {
        Object header = m.variableHeader();
        if (header instanceof MqttPublishVariableHeader h) {
            return h.properties();
        } else if (header instanceof MqttPubReplyMessageVariableHeader h) {
            return h.properties();
        } else if (header instanceof MqttMessageIdAndPropertiesVariableHeader h) {
            return h.properties();
        } else if (header instanceof MqttReasonCodeAndPropertiesVariableHeader h) {
            return h.properties();
        }
        return MqttProperties.NO_PROPERTIES;
    }

    static final MqttMessage PINGRESP =
            new MqttMessage(new MqttFixedHeader(MqttMessageType.PINGRESP, false, MqttQoS.AT_MOST_ONCE, false, 0));

    static MqttConnAckMessage connack(int version, byte reasonCode, boolean sessionPresent, MqttProperties props) {
        byte code = version == 5 ? reasonCode : ReasonCodes.toV3Connack(reasonCode);
        return new MqttConnAckMessage(
                new MqttFixedHeader(MqttMessageType.CONNACK, false, MqttQoS.AT_MOST_ONCE, false, 0),
                // MQTT 3.1 has no session present flag: its CONNACK's first byte is reserved, 0
                new MqttConnAckVariableHeader(
                        MqttConnectReturnCode.valueOf(code),
                        sessionPresent && code == 0 && version != 3,
                        version == 5 && props != null ? props : MqttProperties.NO_PROPERTIES));
    }

    /** A v3 CONNACK with exactly this return code (a hook chose it). */
    static MqttConnAckMessage connackV3(byte returnCode) {
        return new MqttConnAckMessage(
                new MqttFixedHeader(MqttMessageType.CONNACK, false, MqttQoS.AT_MOST_ONCE, false, 0),
                new MqttConnAckVariableHeader(MqttConnectReturnCode.valueOf(returnCode), false));
    }

    /** An MQTT 5 AUTH packet (enhanced authentication) with the hook's method/data properties. */
    static MqttMessage auth(byte reasonCode, io.hookline.api.mqtt.Properties properties) {
        return new MqttMessage(
                new MqttFixedHeader(MqttMessageType.AUTH, false, MqttQoS.AT_MOST_ONCE, false, 0),
                new MqttReasonCodeAndPropertiesVariableHeader(
                        reasonCode, HookInputs.nettyProperties(properties, null)));
    }

    /** A v5 DISCONNECT; the reason string only when the client did not ask us to leave it out. */
    static MqttMessage disconnect(byte reasonCode, String reasonString) {
        return disconnect(reasonCode, reasonString, null);
    }

    /** A v5 DISCONNECT with a Server Reference (0x9C Use another server) when {@code serverReference} is given. */
    static MqttMessage disconnect(byte reasonCode, String reasonString, String serverReference) {
        MqttProperties props = MqttProperties.NO_PROPERTIES;
        if (reasonString != null || serverReference != null) {
            props = new MqttProperties();
        }
        if (reasonString != null) {
            props.add(new MqttProperties.StringProperty(MqttPropertyType.REASON_STRING.value(), reasonString));
        }
        if (serverReference != null) {
            props.add(new MqttProperties.StringProperty(MqttPropertyType.SERVER_REFERENCE.value(), serverReference));
        }
        return new MqttMessage(
                new MqttFixedHeader(MqttMessageType.DISCONNECT, false, MqttQoS.AT_MOST_ONCE, false, 0),
                new MqttReasonCodeAndPropertiesVariableHeader(reasonCode, props));
    }

    /**
     * Whether a v5 packet with {@code fixedPart} bytes before its properties, whose only property is
     * {@code reasonString}, fits in the client's Maximum Packet Size (5.0 [MQTT-3.1.2-25]: else the
     * reason string is left out).
     */
    static boolean reasonStringFits(int fixedPart, String reasonString, int maxPacketSize) {
        int props = 3 + io.netty.buffer.ByteBufUtil.utf8Bytes(reasonString);
        int remaining = fixedPart + PublishEncoder.varIntSize(props) + props;
        return 1L + PublishEncoder.varIntSize(remaining) + remaining <= maxPacketSize;
    }

    /** PUBACK, PUBREC, PUBREL or PUBCOMP; the reason code is only encoded for v5 (Netty omits it for v3). */
    static MqttMessage pubReply(MqttMessageType type, int packetId, byte reasonCode) {
        return new MqttMessage(
                replyHeader(type),
                new MqttPubReplyMessageVariableHeader(packetId, reasonCode, MqttProperties.NO_PROPERTIES));
    }

    // Fixed headers of the four publish replies: immutable, so shared (one PUBACK per QoS 1 PUBLISH)
    private static final MqttFixedHeader PUBACK =
            new MqttFixedHeader(MqttMessageType.PUBACK, false, MqttQoS.AT_MOST_ONCE, false, 0);
    private static final MqttFixedHeader PUBREC =
            new MqttFixedHeader(MqttMessageType.PUBREC, false, MqttQoS.AT_MOST_ONCE, false, 0);
    private static final MqttFixedHeader PUBREL =
            new MqttFixedHeader(MqttMessageType.PUBREL, false, MqttQoS.AT_LEAST_ONCE, false, 0);
    private static final MqttFixedHeader PUBCOMP =
            new MqttFixedHeader(MqttMessageType.PUBCOMP, false, MqttQoS.AT_MOST_ONCE, false, 0);

    private static MqttFixedHeader replyHeader(MqttMessageType type) {
        return switch (type) {
            case PUBACK -> PUBACK;
            case PUBREC -> PUBREC;
            case PUBREL -> PUBREL;
            case PUBCOMP -> PUBCOMP;
            default -> throw new IllegalArgumentException("not a publish reply: " + type);
        };
    }

    static MqttSubAckMessage suback(int packetId, int[] codes) {
        return new MqttSubAckMessage(
                new MqttFixedHeader(MqttMessageType.SUBACK, false, MqttQoS.AT_MOST_ONCE, false, 0),
                new MqttMessageIdAndPropertiesVariableHeader(packetId, MqttProperties.NO_PROPERTIES),
                new MqttSubAckPayload(codes));
    }

    static MqttUnsubAckMessage unsuback(int packetId, short[] codes) {
        return new MqttUnsubAckMessage(
                new MqttFixedHeader(MqttMessageType.UNSUBACK, false, MqttQoS.AT_MOST_ONCE, false, 0),
                new MqttMessageIdAndPropertiesVariableHeader(packetId, MqttProperties.NO_PROPERTIES),
                new MqttUnsubAckPayload(codes));
    }

    static MqttMessageIdVariableHeader id(int packetId) {
        return MqttMessageIdVariableHeader.from(packetId);
    }
}
