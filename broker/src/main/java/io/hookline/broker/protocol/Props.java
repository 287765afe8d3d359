package io.hookline.broker.protocol;

import io.hookline.broker.routing.PublishProperties;
import io.hookline.broker.routing.UserProperty;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.MqttProperty;
import io.netty.handler.codec.mqtt.MqttProperties.MqttPropertyType;
import io.netty.handler.codec.mqtt.MqttProperties.StringPair;

import java.util.ArrayList;
import java.util.List;

/** Conversions between Netty's mutable {@link MqttProperties} and our immutable records. Stateless. */
final class Props {
    private Props() {
    }

    static Integer integer(MqttProperties props, MqttPropertyType type) {
        MqttProperty<?> p = props.getProperty(type.value());
        return p == null ? null : (Integer) p.value();
    }

    static String string(MqttProperties props, MqttPropertyType type) {
        MqttProperty<?> p = props.getProperty(type.value());
        return p == null ? null : (String) p.value();
    }

    static byte[] binary(MqttProperties props, MqttPropertyType type) {
        MqttProperty<?> p = props.getProperty(type.value());
        return p == null ? null : (byte[]) p.value();
    }

    static List<UserProperty> userProperties(MqttProperties props) {
        List<? extends MqttProperty> list = props.getProperties(MqttPropertyType.USER_PROPERTY.value());
        if (list.isEmpty()) {
            return List.of();
        }
        List<UserProperty> result = new ArrayList<>();
        for (MqttProperty<?> p : list) {
            Object value = p.value();
            if (value instanceof StringPair pair) {
                result.add(new UserProperty(pair.key, pair.value));
            } else if (value instanceof List<?> pairs) {
                for (Object o : pairs) {
                    StringPair pair = (StringPair) o;
                    result.add(new UserProperty(pair.key, pair.value));
                }
            }
        }
        return result;
    }

    /** The properties of an incoming PUBLISH (or will) that travel with the message. */
    static PublishProperties publish(MqttProperties props) {
        if (props == null || props.isEmpty()) {
            return PublishProperties.NONE;
        }
        Integer expiry = integer(props, MqttPropertyType.PUBLICATION_EXPIRY_INTERVAL);
        PublishProperties p = new PublishProperties(
                integer(props, MqttPropertyType.PAYLOAD_FORMAT_INDICATOR),
                expiry == null ? null : Integer.toUnsignedLong(expiry),
                string(props, MqttPropertyType.CONTENT_TYPE),
                string(props, MqttPropertyType.RESPONSE_TOPIC),
                binary(props, MqttPropertyType.CORRELATION_DATA),
                userProperties(props));
        return p.isEmpty() ? PublishProperties.NONE : p;
    }

    /** The properties of an outgoing PUBLISH. */
    static MqttProperties outgoing(PublishProperties p, long remainingExpiry, List<Integer> subscriptionIds) {
        if (p.isEmpty() && subscriptionIds.isEmpty()) {
            return MqttProperties.NO_PROPERTIES;
        }
        MqttProperties props = new MqttProperties();
        if (p.payloadFormatIndicator() != null) {
            props.add(new MqttProperties.IntegerProperty(
                    MqttPropertyType.PAYLOAD_FORMAT_INDICATOR.value(), p.payloadFormatIndicator()));
        }
        if (remainingExpiry >= 0) {
            props.add(new MqttProperties.IntegerProperty(
                    MqttPropertyType.PUBLICATION_EXPIRY_INTERVAL.value(), (int) remainingExpiry));
        }
        if (p.contentType() != null) {
            props.add(new MqttProperties.StringProperty(MqttPropertyType.CONTENT_TYPE.value(), p.contentType()));
        }
        if (p.responseTopic() != null) {
            props.add(new MqttProperties.StringProperty(MqttPropertyType.RESPONSE_TOPIC.value(), p.responseTopic()));
        }
        if (p.correlationData() != null) {
            props.add(new MqttProperties.BinaryProperty(
                    MqttPropertyType.CORRELATION_DATA.value(), p.correlationData()));
        }
        for (UserProperty u : p.userProperties()) {
            props.add(new MqttProperties.UserProperty(u.key(), u.value()));
        }
        for (Integer id : subscriptionIds) {
            props.add(new MqttProperties.IntegerProperty(MqttPropertyType.SUBSCRIPTION_IDENTIFIER.value(), id));
        }
        return props;
    }

    /** Bytes the properties take on the wire (without the length prefix), for Maximum Packet Size checks. */
    static int encodedSize(PublishProperties p, List<Integer> subscriptionIds) {
        int size = 0;
        if (p.payloadFormatIndicator() != null) {
            size += 2;
        }
        if (p.messageExpiryInterval() != null) {
            size += 5;
        }
        if (p.contentType() != null) {
            size += 3 + utf8Length(p.contentType());
        }
        if (p.responseTopic() != null) {
            size += 3 + utf8Length(p.responseTopic());
        }
        if (p.correlationData() != null) {
            size += 3 + p.correlationData().length;
        }
        for (UserProperty u : p.userProperties()) {
            size += 5 + utf8Length(u.key()) + utf8Length(u.value());
        }
        size += subscriptionIds.size() * 5;
        return size;
    }

    static int utf8Length(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n += 1;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c)) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }

    static int variableByteIntegerSize(int value) {
        return value < 128 ? 1 : value < 16_384 ? 2 : value < 2_097_152 ? 3 : 4;
    }
}
