package io.hookline.api;

import java.util.Map;

/**
 * A plugin's configuration: the values of the keys it declared, parsed and validated.
 *
 * <pre>{@code
 * Duration every = ctx.config().get(AclPlugin.RELOAD_INTERVAL);
 * // a pattern key: one segment is <name>, any number of entries match it
 * static final ConfigKey<Path> FILE = ConfigKey.path("lua.<name>.file", null, "a script to load");
 * Map<String, Path> files = ctx.config().named(FILE);    // lua.auth.file = a.lua -> {auth=a.lua}
 * }</pre>
 */
public interface PluginConfig {
    /**
     * @return the configured value of {@code key}, or its default
     * @throws IllegalArgumentException when the key was not declared by the plugin
     */
    <T> T get(ConfigKey<T> key);

    /**
     * @return every entry of a pattern key (a name with one {@code <name>} segment, e.g.
     *     {@code lua.<name>.file}): entry name to value, in no particular order; empty when none
     *     is configured
     * @throws IllegalArgumentException when the key was not declared or is not a pattern
     */
    <T> Map<String, T> named(ConfigKey<T> key);
}
