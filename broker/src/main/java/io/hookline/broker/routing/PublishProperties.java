package io.hookline.broker.routing;

import java.util.List;

/**
 * The MQTT 5 properties of a PUBLISH that travel with the message from publisher to
 * subscribers unchanged (MQTT 5 §3.3.2.3). Immutable; {@link #NONE} for MQTT 3 messages.
 *
 * @param payloadFormatIndicator 0 unspecified bytes, 1 UTF-8, or null when absent
 * @param messageExpiryInterval seconds as the publisher sent it, or null for no expiry
 * @param correlationData shared, never mutated
 */
public record PublishProperties(
        Integer payloadFormatIndicator,
        Long messageExpiryInterval,
        String contentType,
        String responseTopic,
        byte[] correlationData,
        List<UserProperty> userProperties) {

    public static final PublishProperties NONE = new PublishProperties(null, null, null, null, null, List.of());

    public PublishProperties {
        userProperties = userProperties == null ? List.of() : List.copyOf(userProperties);
    }

    public boolean isEmpty() {
        return payloadFormatIndicator == null
                && messageExpiryInterval == null
                && contentType == null
                && responseTopic == null
                && correlationData == null
                && userProperties.isEmpty();
    }
}
