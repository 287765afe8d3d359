package io.hookline.broker.config;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One config key, declared once: its name, type, default, documentation and whether it may be
 * changed while the broker runs. Immutable.
 *
 * <p>A name may have one placeholder segment, {@code <name>}, making it a pattern that any
 * number of named entries match: {@code listener.tcp.<name>} matches {@code listener.tcp.default}
 * and {@code listener.tcp.lan}; names are made of letters, digits, {@code _} and {@code -}.
 *
 * <pre>{@code
 * static final ConfigKey<Integer> MAX_QOS = ConfigKey.builder("max_qos", ValueType.integer(0, 2))
 *         .defaultValue(2)
 *         .doc("highest QoS granted to subscriptions and accepted for PUBLISH")
 *         .build();
 * }</pre>
 */
public final class ConfigKey<T> {

    private static final Pattern ENTRY_NAME = Pattern.compile("[A-Za-z0-9_-]+");
    private static final Pattern SEGMENT = Pattern.compile("[a-z0-9_-]+");
    private static final Pattern PLACEHOLDER = Pattern.compile("<[a-z_]+>");

    private final String name;
    private final ValueType<T> type;
    private final T defaultValue;
    private final String doc;
    private final boolean live;
    private final String[] segments;
    private final int placeholder;

    private ConfigKey(Builder<T> builder) {
        this.name = builder.name;
        this.type = builder.type;
        this.defaultValue = builder.defaultValue;
        this.doc = builder.doc;
        this.live = builder.live;
        this.segments = name.split("\\.", -1);
        int found = -1;
        for (int i = 0; i < segments.length; i++) {
            if (PLACEHOLDER.matcher(segments[i]).matches()) {
                if (found >= 0) {
                    throw new IllegalArgumentException("key '" + name + "' has more than one <name> segment");
                }
                found = i;
            } else if (!SEGMENT.matcher(segments[i]).matches()) {
                throw new IllegalArgumentException("key '" + name + "' has a bad segment '" + segments[i]
                        + "' (use lower-case letters, digits, '_' and '-')");
            }
        }
        this.placeholder = found;
        if (defaultValue != null) {
            try {
                if (!defaultValue.equals(type.parse(type.format(defaultValue)))) {
                    throw new IllegalArgumentException("does not survive format/parse");
                }
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("key '" + name + "': bad default: " + e.getMessage(), e);
            }
        }
    }

    /** Starts declaring a key; {@code doc} is required, the default is optional. */
    public static <T> Builder<T> builder(String name, ValueType<T> type) {
        return new Builder<>(name, type);
    }

    /** Whether {@code name} may fill a pattern's {@code <name>} segment. */
    public static boolean isValidEntryName(String name) {
        return ENTRY_NAME.matcher(name).matches();
    }

    /** As declared, e.g. {@code max_inflight_messages} or {@code listener.tcp.<name>}. */
    public String name() {
        return name;
    }

    public ValueType<T> type() {
        return type;
    }

    /** The value when the key is not set; {@code null} when it has none. */
    public T defaultValue() {
        return defaultValue;
    }

    /** The default as config text, e.g. {@code 10s}; {@code null} when there is none. */
    public String defaultText() {
        return defaultValue == null ? null : type.format(defaultValue);
    }

    public String doc() {
        return doc;
    }

    /** Whether a running broker picks up a change ({@code config set}) without a restart. */
    public boolean live() {
        return live;
    }

    public boolean isPattern() {
        return placeholder >= 0;
    }

    /** The concrete key for one entry of a pattern: {@code listener.tcp.<name>} and {@code lan} give {@code listener.tcp.lan}. */
    public String concrete(String entryName) {
        if (!isPattern()) {
            throw new IllegalStateException("'" + name + "' is not a pattern key");
        }
        if (!isValidEntryName(entryName)) {
            throw new IllegalArgumentException("'" + entryName + "' is not a valid name");
        }
        String[] parts = segments.clone();
        parts[placeholder] = entryName;
        return String.join(".", parts);
    }

    /** The segments of the declared name; the placeholder, if any, at {@link #placeholderIndex()}. */
    String[] segments() {
        return segments.clone();
    }

    int placeholderIndex() {
        return placeholder;
    }

    /**
     * For a pattern: the text in the placeholder's place when every other segment of
     * {@code keySegments} matches (the text may not be a valid name); otherwise {@code null}.
     */
    String placeholderText(String[] keySegments) {
        if (placeholder < 0 || keySegments.length != segments.length) {
            return null;
        }
        for (int i = 0; i < segments.length; i++) {
            if (i != placeholder && !segments[i].equals(keySegments[i])) {
                return null;
            }
        }
        return keySegments[placeholder];
    }

    @Override
    public String toString() {
        return name;
    }

    /** Collects a key's declaration; {@link #build()} checks it. */
    public static final class Builder<T> {
        private final String name;
        private final ValueType<T> type;
        private T defaultValue;
        private String doc;
        private boolean live;

        private Builder(String name, ValueType<T> type) {
            this.name = Objects.requireNonNull(name, "name");
            this.type = Objects.requireNonNull(type, "type");
        }

        public Builder<T> defaultValue(T value) {
            this.defaultValue = Objects.requireNonNull(value, "default");
            return this;
        }

        /** What the key does, its unit and what special values (0, -1, never) mean. */
        public Builder<T> doc(String doc) {
            this.doc = doc;
            return this;
        }

        /** The key may be changed at runtime. */
        public Builder<T> live() {
            this.live = true;
            return this;
        }

        public ConfigKey<T> build() {
            if (doc == null || doc.isBlank()) {
                throw new IllegalStateException("key '" + name + "' needs a doc");
            }
            return new ConfigKey<>(this);
        }
    }
}
