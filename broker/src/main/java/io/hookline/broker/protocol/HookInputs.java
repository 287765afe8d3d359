package io.hookline.broker.protocol;

import io.hookline.api.hook.input.Client;
import io.hookline.api.hook.input.PublishInput;
import io.hookline.api.mqtt.Bytes;
import io.hookline.api.mqtt.Properties;
import io.hookline.api.mqtt.PropertyKey;
import io.hookline.api.mqtt.ProtocolVersion;
import io.hookline.broker.routing.Message;
import io.hookline.broker.routing.Messages;
import io.hookline.broker.routing.PublishProperties;
import io.hookline.broker.routing.UserProperty;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.MqttPropertyType;
import java.util.ArrayList;
import java.util.List;

/**
 * Conversions between the broker's messages and the plugin API's hook inputs: what a hook
 * sees (topics without the listener's mountpoint, which it gets as {@code mountpoint}) and
 * how a rewrite comes back. Stateless.
 */
public final class HookInputs {
    private HookInputs() {}

    public static ProtocolVersion version(int protocolLevel) {
        return switch (protocolLevel) {
            case 3 -> ProtocolVersion.MQTT_3_1;
            case 5 -> ProtocolVersion.MQTT_5;
            default -> ProtocolVersion.MQTT_3_1_1;
        };
    }

    public static Client client(String mountpoint, String clientId, String username, int protocolLevel) {
        return new Client(mountpoint == null ? "" : mountpoint, clientId, username, version(protocolLevel));
    }

    /** The hook's view of a message: the topic as the client wrote it (or sees it), the mountpoint apart. */
    public static PublishInput publish(Client client, ListenerInfo listener, Message m, int qos, boolean retain) {
        return new PublishInput(
                client,
                listener.unmount(m.topic()),
                qos,
                Bytes.adopt(m.payload()), // a message's payload is never written to: no copy per hook call
                retain,
                properties(m.properties(), -1));
    }

    /**
     * The message after a rewrite, mounted again: a new message (a new id); the expiry restarts
     * only when the hook changed it.
     */
    public static Message rewritten(Messages messages, Message original, PublishInput in, ListenerInfo listener) {
        PublishProperties p = publishProperties(in.properties(), original.properties());
        Message m = messages.create(
                listener.mount(in.topic()), in.qos(), in.retain(), in.payload().toArray(), p, original.sender());
        return p.messageExpiryInterval() != null
                        && p.messageExpiryInterval()
                                .equals(original.properties().messageExpiryInterval())
                ? new Message(
                        m.id(), m.topic(), m.qos(), m.retain(), m.payload(), p, m.sender(), original.expiresAtMillis())
                : m;
    }

    /** Plugin-API properties of a message (the remaining expiry when {@code remainingExpiry >= 0}). */
    public static Properties properties(PublishProperties p, long remainingExpiry) {
        if (p.isEmpty()) {
            return Properties.EMPTY;
        }
        Properties.Builder b = Properties.builder();
        if (p.payloadFormatIndicator() != null) {
            b.put(PropertyKey.PAYLOAD_FORMAT_INDICATOR, p.payloadFormatIndicator());
        }
        if (p.messageExpiryInterval() != null) {
            b.put(
                    PropertyKey.MESSAGE_EXPIRY_INTERVAL,
                    remainingExpiry >= 0 ? remainingExpiry : p.messageExpiryInterval());
        }
        if (p.contentType() != null) {
            b.put(PropertyKey.CONTENT_TYPE, p.contentType());
        }
        if (p.responseTopic() != null) {
            b.put(PropertyKey.RESPONSE_TOPIC, p.responseTopic());
        }
        if (p.correlationData() != null) {
            b.put(PropertyKey.CORRELATION_DATA, Bytes.of(p.correlationData()));
        }
        for (UserProperty u : p.userProperties()) {
            b.userProperty(u.key(), u.value());
        }
        return b.build();
    }

    /** Message properties from plugin-API properties (a plugin publishing). */
    public static PublishProperties publishPropertiesOf(Properties p) {
        return publishProperties(p, PublishProperties.NONE);
    }

    /** Message properties from a hook's answer; {@code original} when the hook left them alone. */
    static PublishProperties publishProperties(Properties p, PublishProperties original) {
        if (p == null) {
            return original;
        }
        if (p.isEmpty()) {
            return PublishProperties.NONE;
        }
        List<UserProperty> users = new ArrayList<>();
        p.userProperties().forEach(u -> users.add(new UserProperty(u.key(), u.value())));
        return new PublishProperties(
                p.get(PropertyKey.PAYLOAD_FORMAT_INDICATOR).orElse(null),
                p.get(PropertyKey.MESSAGE_EXPIRY_INTERVAL).orElse(null),
                p.get(PropertyKey.CONTENT_TYPE).orElse(null),
                p.get(PropertyKey.RESPONSE_TOPIC).orElse(null),
                p.get(PropertyKey.CORRELATION_DATA).map(Bytes::toArray).orElse(null),
                users);
    }

    /** The CONNECT properties a registration hook sees (MQTT 5). */
    static Properties connectProperties(MqttProperties props) {
        // Netty's isEmpty() ignores user properties
        if (props == null || props.listAll().isEmpty()) {
            return Properties.EMPTY;
        }
        Properties.Builder b = Properties.builder();
        Integer i;
        if ((i = Props.integer(props, MqttPropertyType.SESSION_EXPIRY_INTERVAL)) != null) {
            b.put(PropertyKey.SESSION_EXPIRY_INTERVAL, Integer.toUnsignedLong(i));
        }
        if ((i = Props.integer(props, MqttPropertyType.RECEIVE_MAXIMUM)) != null) {
            b.put(PropertyKey.RECEIVE_MAXIMUM, i);
        }
        if ((i = Props.integer(props, MqttPropertyType.TOPIC_ALIAS_MAXIMUM)) != null) {
            b.put(PropertyKey.TOPIC_ALIAS_MAXIMUM, i);
        }
        if ((i = Props.integer(props, MqttPropertyType.MAXIMUM_PACKET_SIZE)) != null) {
            b.put(PropertyKey.MAXIMUM_PACKET_SIZE, Integer.toUnsignedLong(i));
        }
        if ((i = Props.integer(props, MqttPropertyType.REQUEST_RESPONSE_INFORMATION)) != null) {
            b.put(PropertyKey.REQUEST_RESPONSE_INFORMATION, i == 1);
        }
        if ((i = Props.integer(props, MqttPropertyType.REQUEST_PROBLEM_INFORMATION)) != null) {
            b.put(PropertyKey.REQUEST_PROBLEM_INFORMATION, i == 1);
        }
        String method = Props.string(props, MqttPropertyType.AUTHENTICATION_METHOD);
        if (method != null) {
            b.put(PropertyKey.AUTHENTICATION_METHOD, method);
        }
        byte[] data = Props.binary(props, MqttPropertyType.AUTHENTICATION_DATA);
        if (data != null) {
            b.put(PropertyKey.AUTHENTICATION_DATA, Bytes.of(data));
        }
        addUserProperties(props, b);
        return b.build();
    }

    /** Only the user properties of a packet (what SUBSCRIBE/UNSUBSCRIBE hooks see). */
    static Properties userProperties(MqttProperties props) {
        if (props == null) {
            return Properties.EMPTY;
        }
        Properties.Builder b = Properties.builder();
        addUserProperties(props, b);
        return b.build();
    }

    private static void addUserProperties(MqttProperties props, Properties.Builder into) {
        Props.userProperties(props).forEach(u -> into.userProperty(u.key(), u.value()));
    }

    /** Netty properties for a CONNACK/AUTH/ack from a hook's answer (reason string, server reference, auth data, user properties). */
    static MqttProperties nettyProperties(Properties p, MqttProperties into) {
        MqttProperties out = into != null ? into : new MqttProperties();
        if (p == null || p.isEmpty()) {
            return out;
        }
        p.get(PropertyKey.REASON_STRING)
                .ifPresent(v -> out.add(new MqttProperties.StringProperty(MqttPropertyType.REASON_STRING.value(), v)));
        p.get(PropertyKey.SERVER_REFERENCE)
                .ifPresent(
                        v -> out.add(new MqttProperties.StringProperty(MqttPropertyType.SERVER_REFERENCE.value(), v)));
        p.get(PropertyKey.AUTHENTICATION_METHOD)
                .ifPresent(v ->
                        out.add(new MqttProperties.StringProperty(MqttPropertyType.AUTHENTICATION_METHOD.value(), v)));
        p.get(PropertyKey.AUTHENTICATION_DATA)
                .ifPresent(v -> out.add(
                        new MqttProperties.BinaryProperty(MqttPropertyType.AUTHENTICATION_DATA.value(), v.toArray())));
        p.userProperties().forEach(u -> out.add(new MqttProperties.UserProperty(u.key(), u.value())));
        return out;
    }
}
