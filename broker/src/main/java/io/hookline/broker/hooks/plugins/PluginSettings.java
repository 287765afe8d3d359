package io.hookline.broker.hooks.plugins;

import io.hookline.api.hook.FailurePolicy;
import io.hookline.broker.config.Config;
import io.hookline.broker.config.ConfigKey;
import java.time.Duration;
import java.util.Map;
import java.util.OptionalInt;

/**
 * What the operator configured for one plugin: {@code plugins.<name> = on|off} and the
 * overrides of what its handlers asked for, {@code plugins.<name>.priority}, {@code .on_error}
 * and {@code .timeout}. Taken typed from the validated {@link Config}: the keys are declared and
 * their values checked (errors naming the key and line) once, by {@link PluginConfigSchema}.
 * Immutable.
 *
 * @param enabled {@code plugins.<name>}
 * @param priority {@code plugins.<name>.priority}, when set
 * @param onError {@code plugins.<name>.on_error}, or null
 * @param timeout {@code plugins.<name>.timeout}, or null
 */
public record PluginSettings(boolean enabled, OptionalInt priority, FailurePolicy onError, Duration timeout) {
    /** Priority of a plugin that configures none (lower runs first). */
    public static final int DEFAULT_PRIORITY = 1000;

    /** Nothing configured: off, and the plugin's own handler options apply. */
    public static final PluginSettings NONE = new PluginSettings(false, OptionalInt.empty(), null, null);

    /**
     * @return the settings of {@code plugin} in {@code config}; {@link #NONE} when the config was
     *     validated without the plugin keys (then none can be set)
     */
    public static PluginSettings of(Config config, String plugin) {
        if (!config.keys().contains(PluginConfigSchema.ENABLED)) {
            return NONE;
        }
        Integer priority = entry(config, PluginConfigSchema.PRIORITY, plugin);
        Integer timeout = entry(config, PluginConfigSchema.TIMEOUT, plugin);
        return new PluginSettings(
                config.get(PluginConfigSchema.ENABLED, plugin),
                priority == null ? OptionalInt.empty() : OptionalInt.of(priority),
                entry(config, PluginConfigSchema.ON_ERROR, plugin),
                timeout == null ? null : Duration.ofMillis(timeout));
    }

    /** @return the value set for {@code plugin}, or null when unset (not the key's default) */
    private static <T> T entry(Config config, ConfigKey<T> key, String plugin) {
        Map<String, T> set = config.named(key);
        return set.get(plugin);
    }
}
