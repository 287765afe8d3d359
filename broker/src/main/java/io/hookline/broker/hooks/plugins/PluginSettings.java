package io.hookline.broker.hooks.plugins;

import io.hookline.api.hook.FailurePolicy;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;

/**
 * The broker's keys for plugins: {@code plugins.<name> = on|off},
 * {@code plugins.<name>.priority = N}, and the operator's overrides of what a plugin's handlers
 * asked for: {@code plugins.<name>.on_error = deny|next|allow} and
 * {@code plugins.<name>.timeout = MS}. Read from a plain {@code Map<String,String>} for now;
 * the config system (built in parallel) will declare these keys and hand the parsed map over.
 */
public final class PluginSettings {
    /** Prefix of every plugin key. */
    public static final String PREFIX = "plugins.";
    /** Suffix of the priority key. */
    public static final String PRIORITY_SUFFIX = ".priority";
    /** Suffix of the failure policy key. */
    public static final String ON_ERROR_SUFFIX = ".on_error";
    /** Suffix of the per-call timeout key (milliseconds). */
    public static final String TIMEOUT_SUFFIX = ".timeout";
    /** Priority of a plugin that configures none (lower runs first). */
    public static final int DEFAULT_PRIORITY = 1000;

    private PluginSettings() {
    }

    /** @return {@code plugins.<name>} */
    public static String enabledKey(String plugin) {
        return PREFIX + plugin;
    }

    /** @return {@code plugins.<name>.priority} */
    public static String priorityKey(String plugin) {
        return PREFIX + plugin + PRIORITY_SUFFIX;
    }

    /**
     * @return whether {@code plugins.<name>} is on (absent = off)
     * @throws IllegalArgumentException naming the key on a value other than on/off
     */
    public static boolean enabled(Map<String, String> config, String plugin) {
        String v = config.get(enabledKey(plugin));
        if (v == null) {
            return false;
        }
        return switch (v.trim().toLowerCase(Locale.ROOT)) {
            case "on", "true" -> true;
            case "off", "false" -> false;
            default -> throw new IllegalArgumentException(enabledKey(plugin) + ": expected on or off, got '" + v + "'");
        };
    }

    /**
     * @return the configured priority, if any
     * @throws IllegalArgumentException naming the key when it is not an integer
     */
    public static OptionalInt priority(Map<String, String> config, String plugin) {
        String v = config.get(priorityKey(plugin));
        if (v == null) {
            return OptionalInt.empty();
        }
        try {
            return OptionalInt.of(Integer.parseInt(v.trim()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(priorityKey(plugin) + ": expected an integer, got '" + v + "'", e);
        }
    }

    /** @return {@code plugins.<name>.on_error} */
    public static String onErrorKey(String plugin) {
        return PREFIX + plugin + ON_ERROR_SUFFIX;
    }

    /** @return {@code plugins.<name>.timeout} */
    public static String timeoutKey(String plugin) {
        return PREFIX + plugin + TIMEOUT_SUFFIX;
    }

    /**
     * What the operator configured for a plugin's handlers; each value, when present, wins over
     * the plugin's own {@link io.hookline.api.hook.HandlerOptions}.
     *
     * @param priority {@code plugins.<name>.priority}
     * @param onError {@code plugins.<name>.on_error}, or null
     * @param timeout {@code plugins.<name>.timeout}, or null
     */
    public record Overrides(OptionalInt priority, FailurePolicy onError, Duration timeout) {
        /** Nothing configured. */
        public static final Overrides NONE = new Overrides(OptionalInt.empty(), null, null);
    }

    /**
     * @return the operator's overrides for {@code plugin}
     * @throws IllegalArgumentException naming the key on a bad value
     */
    public static Overrides overrides(Map<String, String> config, String plugin) {
        FailurePolicy onError = null;
        String e = config.get(onErrorKey(plugin));
        if (e != null) {
            try {
                onError = FailurePolicy.valueOf(e.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException ex) {
                throw new IllegalArgumentException(onErrorKey(plugin) + ": expected deny, next or allow, got '" + e + "'", ex);
            }
        }
        Duration timeout = null;
        String t = config.get(timeoutKey(plugin));
        if (t != null) {
            try {
                timeout = Duration.ofMillis(Long.parseLong(t.trim()));
            } catch (NumberFormatException ex) {
                throw new IllegalArgumentException(timeoutKey(plugin) + ": expected milliseconds, got '" + t + "'", ex);
            }
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException(timeoutKey(plugin) + ": must be positive, got '" + t + "'");
            }
        }
        return new Overrides(priority(config, plugin), onError, timeout);
    }
}
