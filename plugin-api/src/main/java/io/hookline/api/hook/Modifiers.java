package io.hookline.api.hook;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * An immutable set of modifier values carried by an {@code ok} answer.
 *
 * <pre>{@code
 * Modifiers m = Modifiers.of(Modifier.TOPIC, "rewritten/topic");
 * Modifiers many = Modifiers.builder().set(Modifier.QOS, 0).set(Modifier.RETAIN, false).build();
 * int qos = many.get(Modifier.QOS).orElse(in.qos());
 * }</pre>
 */
public final class Modifiers {
    /** No modifiers: a plain {@code ok}. */
    public static final Modifiers NONE = new Modifiers(Map.of());

    private final Map<Modifier<?>, Object> values;

    private Modifiers(Map<Modifier<?>, Object> values) {
        this.values = values;
    }

    /** @return modifiers holding one value */
    public static <T> Modifiers of(Modifier<T> modifier, T value) {
        return builder().set(modifier, value).build();
    }

    /** @return an empty builder */
    public static Builder builder() {
        return new Builder();
    }

    /** @return the value of {@code modifier}, if set */
    public <T> Optional<T> get(Modifier<T> modifier) {
        return Optional.ofNullable(modifier.type().cast(values.get(modifier)));
    }

    /** @return true when {@code modifier} is set */
    public boolean contains(Modifier<?> modifier) {
        return values.containsKey(modifier);
    }

    /** @return true when nothing is set */
    public boolean isEmpty() {
        return values.isEmpty();
    }

    /** @return every value, in the order set */
    public Map<Modifier<?>, Object> asMap() {
        return values;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Modifiers m && values.equals(m.values);
    }

    @Override
    public int hashCode() {
        return values.hashCode();
    }

    @Override
    public String toString() {
        return values.toString();
    }

    /**
     * Collects modifier values; not thread-safe.
     *
     * <pre>{@code
     * Modifiers.builder().set(Modifier.PAYLOAD, Bytes.utf8("redacted")).build();
     * }</pre>
     */
    public static final class Builder {
        private final Map<Modifier<?>, Object> values = new LinkedHashMap<>();

        private Builder() {}

        /** Sets {@code modifier} to {@code value} (not null). */
        public <T> Builder set(Modifier<T> modifier, T value) {
            values.put(Objects.requireNonNull(modifier), modifier.type().cast(Objects.requireNonNull(value, "value")));
            return this;
        }

        /** @return the immutable modifiers */
        public Modifiers build() {
            return values.isEmpty() ? NONE : new Modifiers(Collections.unmodifiableMap(new LinkedHashMap<>(values)));
        }
    }
}
