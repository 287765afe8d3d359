package io.hookline.api.mqtt;

import java.util.Objects;

/**
 * One topic filter of a SUBSCRIBE, with its options. In {@code auth_on_subscribe} answers and in
 * {@code on_subscribe} inputs {@link #qos()} is the granted QoS (0..2) or a refusal: 128 (0x80)
 * for MQTT 3, any reason code {@code >= 0x80} for MQTT 5 (e.g. 0x87 not authorized).
 *
 * <pre>{@code
 * var granted = new TopicSubscription("sensors/+/temp", 1);
 * var refused = TopicSubscription.refused("admin/#", TopicSubscription.REFUSED);
 * }</pre>
 *
 * @param topic the topic filter
 * @param qos the requested or granted QoS, or a refusal code {@code >= 0x80}
 * @param noLocal MQTT 5 no-local option
 * @param retainAsPublished MQTT 5 retain-as-published option ({@code rap})
 * @param retainHandling MQTT 5 retain handling (0..2)
 */
public record TopicSubscription(String topic, int qos, boolean noLocal, boolean retainAsPublished, int retainHandling) {
    /** The MQTT 3 refusal code in a SUBACK, and the generic "refused" marker. */
    public static final int REFUSED = 0x80;

    public TopicSubscription {
        Objects.requireNonNull(topic, "topic");
    }

    /** A subscription with default MQTT 5 options. */
    public TopicSubscription(String topic, int qos) {
        this(topic, qos, false, false, 0);
    }

    /** @return a refusal of {@code topic} with {@code reasonCode} ({@code >= 0x80}) */
    public static TopicSubscription refused(String topic, int reasonCode) {
        if (reasonCode < 0x80 || reasonCode > 0xFF) {
            throw new IllegalArgumentException("refusal reason code must be 0x80..0xFF: " + reasonCode);
        }
        return new TopicSubscription(topic, reasonCode);
    }

    /** @return true when this entry refuses the topic */
    public boolean isRefused() {
        return qos >= REFUSED;
    }

    /** @return the same subscription with another QoS or refusal code */
    public TopicSubscription withQos(int newQos) {
        return new TopicSubscription(topic, newQos, noLocal, retainAsPublished, retainHandling);
    }
}
