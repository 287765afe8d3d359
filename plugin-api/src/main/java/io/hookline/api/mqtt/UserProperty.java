package io.hookline.api.mqtt;

import java.util.Objects;

/**
 * One MQTT 5 user property; a name may appear more than once in a packet.
 *
 * <pre>{@code
 * Properties props = Properties.builder().userProperty("tenant", "acme").build();
 * }</pre>
 *
 * @param key the name
 * @param value the value (VerneMQ's webhooks call it {@code val})
 */
public record UserProperty(String key, String value) {
    public UserProperty {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
    }
}
