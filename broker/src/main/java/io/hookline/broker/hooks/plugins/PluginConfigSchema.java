package io.hookline.broker.hooks.plugins;

import io.hookline.api.Plugin;
import io.hookline.api.hook.FailurePolicy;
import io.hookline.broker.config.ConfigKey;
import io.hookline.broker.config.ConfigSchema;
import io.hookline.broker.config.ValueType;
import java.util.List;

/**
 * Declares the plugin keys in the broker's config schema, so {@code broker.conf} is checked
 * line by line for them like for every core key: {@code plugins.<name> = on|off},
 * {@code plugins.<name>.priority}, {@code .on_error}, {@code .timeout}, and every key a
 * discovered plugin declares through {@link Plugin#configKeys()}, parsed by the plugin's own
 * key type. {@link PluginSettings} reads the {@code plugins.<name>} values back, typed. Stateless.
 */
public final class PluginConfigSchema {

    public static final ConfigKey<Boolean> ENABLED = ConfigKey.builder("plugins.<name>", ValueType.bool())
            .defaultValue(false)
            .doc("turns the plugin NAME on or off")
            .live()
            .build();

    public static final ConfigKey<Integer> PRIORITY = ConfigKey.builder(
                    "plugins.<name>.priority", ValueType.integer(Integer.MIN_VALUE, Integer.MAX_VALUE))
            .defaultValue(PluginSettings.DEFAULT_PRIORITY)
            .doc("order of the plugin's handlers in every chain: lower runs first, ties in load order")
            .build();

    public static final ConfigKey<FailurePolicy> ON_ERROR = ConfigKey.builder(
                    "plugins.<name>.on_error", ValueType.enumOf(FailurePolicy.class))
            .doc("what a timeout or failure of the plugin's handlers means, overriding the plugin")
            .build();

    public static final ConfigKey<Integer> TIMEOUT = ConfigKey.builder(
                    "plugins.<name>.timeout", ValueType.integer(1, Integer.MAX_VALUE))
            .doc("per-call timeout of the plugin's handlers in milliseconds, overriding the plugin")
            .build();

    private PluginConfigSchema() {}

    /** Adds the plugin keys and the keys of {@code plugins} to {@code schema}; returns it. */
    public static ConfigSchema addTo(ConfigSchema schema, List<Plugin> plugins) {
        schema.add(ENABLED).add(PRIORITY).add(ON_ERROR).add(TIMEOUT);
        for (Plugin plugin : plugins) {
            for (io.hookline.api.ConfigKey<?> key : plugin.configKeys()) {
                schema.add(declare(key));
            }
        }
        return schema;
    }

    private static <T> ConfigKey<Object> declare(io.hookline.api.ConfigKey<T> key) {
        ValueType<Object> type = new ValueType<>() {
            @Override
            public Object parse(String text) {
                try {
                    return key.parse(text);
                } catch (IllegalArgumentException e) {
                    // the plugin's message names the key; the config system names it already
                    String why = e.getCause() != null && e.getCause().getMessage() != null
                            ? " (" + e.getCause().getMessage() + ")"
                            : "";
                    throw new IllegalArgumentException("'" + text + "' is not a valid " + describe() + why, e);
                }
            }

            @Override
            public String format(Object value) {
                if (value instanceof java.time.Duration d) {
                    return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
                }
                if (value instanceof Boolean b) {
                    return b ? "on" : "off";
                }
                return String.valueOf(value);
            }

            @Override
            public String describe() {
                return key.type().getSimpleName().toLowerCase(java.util.Locale.ROOT);
            }

            @Override
            public boolean acceptsEmpty() {
                return key.type() == String.class;
            }
        };
        ConfigKey.Builder<Object> b = ConfigKey.builder(key.name(), type).doc(key.doc());
        if (key.defaultValue() != null) {
            b.defaultValue(key.defaultValue());
        }
        if (key.isLive()) {
            b.live();
        }
        return b.build();
    }
}
