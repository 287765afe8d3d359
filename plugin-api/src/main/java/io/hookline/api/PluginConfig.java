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
}
