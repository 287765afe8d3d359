package io.hookline.api.mqtt;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Immutable MQTT 5 properties of a packet. MQTT 3 clients always have {@link #EMPTY}.
 *
 * <pre>{@code
 * Properties props = Properties.builder()
 *         .put(PropertyKey.CONTENT_TYPE, "application/json")
 *         .userProperty("source", "plugin")
 *         .build();
 * Optional<String> type = props.get(PropertyKey.CONTENT_TYPE);
 * }</pre>
 */
public final class Properties {
    /** No properties. */
    public static final Properties EMPTY = new Properties(Map.of(), List.of());

    private final Map<PropertyKey<?>, Object> values;
    private final List<UserProperty> userProperties;

    private Properties(Map<PropertyKey<?>, Object> values, List<UserProperty> userProperties) {
        this.values = values;
        this.userProperties = userProperties;
    }

    /** @return a builder for new properties */
    public static Builder builder() {
        return new Builder();
    }

    /** @return a builder starting from these properties */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.values.putAll(values);
        b.userProperties.addAll(userProperties);
        return b;
    }

    /** @return the value of {@code key}, if present */
    public <T> Optional<T> get(PropertyKey<T> key) {
        return Optional.ofNullable(key.type().cast(values.get(key)));
    }

    /** @return the keys present (not the user properties), in insertion order */
    public Map<PropertyKey<?>, Object> asMap() {
        return values;
    }

    /** @return the user properties, in packet order */
    public List<UserProperty> userProperties() {
        return userProperties;
    }

    /** @return true when there is neither a property nor a user property */
    public boolean isEmpty() {
        return values.isEmpty() && userProperties.isEmpty();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Properties p && values.equals(p.values) && userProperties.equals(p.userProperties);
    }

    @Override
    public int hashCode() {
        return values.hashCode() * 31 + userProperties.hashCode();
    }

    @Override
    public String toString() {
        return "Properties" + values + userProperties;
    }

    /**
     * Collects properties; not thread-safe.
     *
     * <pre>{@code
     * Properties.builder().put(PropertyKey.REASON_STRING, "quota exceeded").build();
     * }</pre>
     */
    public static final class Builder {
        private final Map<PropertyKey<?>, Object> values = new LinkedHashMap<>();
        private final List<UserProperty> userProperties = new ArrayList<>();

        private Builder() {}

        /** Sets {@code key}; a null value removes it. */
        public <T> Builder put(PropertyKey<T> key, T value) {
            if (value == null) {
                values.remove(key);
            } else {
                values.put(key, key.type().cast(value));
            }
            return this;
        }

        /** Appends a user property. */
        public Builder userProperty(String key, String value) {
            userProperties.add(new UserProperty(key, value));
            return this;
        }

        /** @return the immutable properties */
        public Properties build() {
            if (values.isEmpty() && userProperties.isEmpty()) {
                return EMPTY;
            }
            return new Properties(
                    Collections.unmodifiableMap(new LinkedHashMap<>(values)), List.copyOf(userProperties));
        }
    }
}
