package io.hookline.api.hook.input;

import io.hookline.api.mqtt.Bytes;
import io.hookline.api.mqtt.Properties;
import java.util.Objects;

/**
 * Input of {@code on_message_drop}: a message meant for {@link #client()} was dropped.
 *
 * <pre>{@code
 * ctx.notifications(Hooks.ON_MESSAGE_DROP, d -> dropped.counter(d.reason()).inc());
 * }</pre>
 *
 * @param client the receiver the message was meant for
 * @param reason why: {@link #EXPIRED}, {@link #QUEUE_FULL}, {@link #MAX_PACKET_SIZE_EXCEEDED}
 * @param topic the topic
 * @param qos the QoS
 * @param payload the payload
 * @param retain the retain flag
 * @param properties the message's MQTT 5 properties
 */
public record MessageDrop(
        Client client, String reason, String topic, int qos, Bytes payload, boolean retain, Properties properties)
        implements HookInput {
    public static final String EXPIRED = "expired";
    public static final String QUEUE_FULL = "queue_full";
    public static final String MAX_PACKET_SIZE_EXCEEDED = "max_packet_size_exceeded";

    public MessageDrop {
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(topic, "topic");
        payload = payload == null ? Bytes.EMPTY : payload;
        properties = properties == null ? Properties.EMPTY : properties;
    }
}
