package io.hookline.api;

/**
 * A plugin's configuration: the values of the keys it declared, parsed and validated.
 *
 * <pre>{@code
 * Duration every = ctx.config().get(AclPlugin.RELOAD_INTERVAL);
 * }</pre>
 */
public interface PluginConfig {
    /**
     * @return the configured value of {@code key}, or its default
     * @throws IllegalArgumentException when the key was not declared by the plugin
     */
    <T> T get(ConfigKey<T> key);

    /**
     * The configured entries of a pattern key ({@link ConfigKey#isPattern()}).
     *
     * <pre>{@code
     * Map<String, String> hooks = ctx.config().entries(HOOK);   // webhooks.auth1.hook = ... -> {"auth1" -> ...}
     * }</pre>
     *
     * @return entry name to parsed value, for every entry set in the configuration (defaults are
     *     not filled in: an entry exists only when configured), in entry-name order
     * @throws IllegalArgumentException when the key was not declared or is no pattern
     */
    default <T> java.util.SortedMap<String, T> entries(ConfigKey<T> key) {
        throw new UnsupportedOperationException("pattern keys are not supported by this broker");
    }
}
