package io.hookline.broker.hooks.plugins;

import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;

/**
 * The broker's keys for plugins: {@code plugins.<name> = on|off} and
 * {@code plugins.<name>.priority = N}. Read from a plain {@code Map<String,String>} for now;
 * the config system (built in parallel) will declare these keys and hand the parsed map over.
 */
public final class PluginSettings {
    /** Prefix of every plugin key. */
    public static final String PREFIX = "plugins.";
    /** Suffix of the priority key. */
    public static final String PRIORITY_SUFFIX = ".priority";
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
}
