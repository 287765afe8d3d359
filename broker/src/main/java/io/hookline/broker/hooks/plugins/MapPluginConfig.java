package io.hookline.broker.hooks.plugins;

import io.hookline.api.ConfigKey;
import io.hookline.api.PluginConfig;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A plugin's declared keys parsed from the broker's key/value map, all at once before start, so
 * a bad value stops the plugin with the key's name and nothing half-applied. Immutable.
 */
final class MapPluginConfig implements PluginConfig {
    private final String plugin;
    private final Map<String, Object> values = new HashMap<>();
    private final Map<String, ConfigKey<?>> declared = new HashMap<>();
    private final Map<String, Map<String, Object>> named = new HashMap<>();

    MapPluginConfig(String plugin, List<ConfigKey<?>> keys, Map<String, String> config) {
        this.plugin = plugin;
        for (ConfigKey<?> key : keys) {
            if (!key.name().startsWith(plugin + ".")) {
                throw new IllegalArgumentException("plugin " + plugin + " declares key " + key.name()
                        + " outside its section " + plugin + ".*");
            }
            declared.put(key.name(), key);
            if (key.isPattern()) {
                Map<String, Object> entries = new HashMap<>();
                config.forEach((k, raw) -> {
                    String entry = key.entryName(k);
                    if (entry != null) {
                        entries.put(entry, key.parse(raw));
                    }
                });
                named.put(key.name(), Map.copyOf(entries));
                continue;
            }
            String raw = config.get(key.name());
            Object value = raw == null ? key.defaultValue() : key.parse(raw);
            if (value != null) {
                values.put(key.name(), value);
            }
        }
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
