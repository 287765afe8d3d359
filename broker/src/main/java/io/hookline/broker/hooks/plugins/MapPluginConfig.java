package io.hookline.broker.hooks.plugins;

import io.hookline.api.ConfigKey;
import io.hookline.api.PluginConfig;
import io.hookline.broker.config.Config;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A plugin's declared keys, taken typed from the broker's validated {@link Config}: the keys are
 * declared in its schema by {@link PluginConfigSchema} and their values parsed (by the plugin's
 * own key, errors naming the key and line) once, when the config was loaded or changed. Keys the
 * config was validated without (a plugin added later) cannot have been set: they give their
 * defaults. Immutable.
 */
final class MapPluginConfig implements PluginConfig {
    private final String plugin;
    private final Map<String, Object> values = new HashMap<>();
    private final Map<String, ConfigKey<?>> declared = new HashMap<>();
    private final Map<String, Map<String, ?>> named = new HashMap<>();

    /** @param config the broker's config, or null when there is none (every key at its default) */
    MapPluginConfig(String plugin, List<ConfigKey<?>> keys, Config config) {
        this.plugin = plugin;
        Map<String, io.hookline.broker.config.ConfigKey<?>> schema = new HashMap<>();
        if (config != null) {
            for (io.hookline.broker.config.ConfigKey<?> k : config.keys()) {
                schema.put(k.name(), k);
            }
        }
        for (ConfigKey<?> key : keys) {
            if (!key.name().startsWith(plugin + ".")) {
                throw new IllegalArgumentException(
                        "plugin " + plugin + " declares key " + key.name() + " outside its section " + plugin + ".*");
            }
            declared.put(key.name(), key);
            io.hookline.broker.config.ConfigKey<?> typed = schema.get(key.name());
            if (key.isPattern()) {
                Map<String, ?> entries = typed == null ? Map.of() : config.named(typed);
                entries.values().forEach(v -> checkType(key, v));
                named.put(key.name(), entries);
                continue;
            }
            Object value = typed == null ? key.defaultValue() : config.get(typed);
            if (value != null) {
                values.put(key.name(), checkType(key, value));
            }
        }
    }

    /** The schema was built from an earlier instance of the plugin: its key may have changed type. */
    private Object checkType(ConfigKey<?> key, Object value) {
        if (!key.type().isInstance(value)) {
            throw new IllegalArgumentException("plugin " + plugin + " declares key " + key.name() + " as "
                    + key.type().getSimpleName() + " but the config holds a "
                    + value.getClass().getSimpleName());
        }
        return value;
    }

    @Override
    public <T> T get(ConfigKey<T> key) {
        if (declared.get(key.name()) == null) {
            throw new IllegalArgumentException("plugin " + plugin + " did not declare key " + key.name());
        }
        if (key.isPattern()) {
            throw new IllegalArgumentException(key.name() + " is a pattern key: use named()");
        }
        return key.type().cast(values.get(key.name()));
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> Map<String, T> named(ConfigKey<T> key) {
        if (declared.get(key.name()) == null) {
            throw new IllegalArgumentException("plugin " + plugin + " did not declare key " + key.name());
        }
        if (!key.isPattern()) {
            throw new IllegalArgumentException(key.name() + " is not a pattern key: use get()");
        }
        return (Map<String, T>) named.get(key.name());
    }
}
