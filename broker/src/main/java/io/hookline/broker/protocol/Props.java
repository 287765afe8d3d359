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
    private Props() {}

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
        // Netty's isEmpty() ignores user properties and subscription identifiers
        if (props == null || props.listAll().isEmpty()) {
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
}
