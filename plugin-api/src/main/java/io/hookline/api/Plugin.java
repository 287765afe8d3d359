package io.hookline.api;

import java.util.List;

/**
 * A Hookline plugin, found with {@link java.util.ServiceLoader} on the classpath and in the
 * broker's {@code plugins/} directory, enabled with {@code plugins.<name> = on}.
 * {@link #start} registers handlers; {@link #stop} releases what the plugin opened (the broker
 * removes its handlers and cancels its scheduled tasks itself). A plugin may be started again
 * after a stop (disable then enable at runtime).
 *
 * <pre>{@code
 * public final class DenyAdminPlugin implements Plugin {
 *     public String name() { return "deny_admin"; }
 *     public void start(PluginContext ctx) {
 *         ctx.register(Hooks.AUTH_ON_PUBLISH, in ->
 *                 in.topic().startsWith("admin/") ? Answer.error("admin_only") : Answer.next());
 *     }
 * }
 * // META-INF/services/io.hookline.api.Plugin contains: com.example.DenyAdminPlugin
 * }</pre>
 */
public interface Plugin {
    /** @return the plugin's name: lower case, digits and {@code _}; it names its config section */
    String name();

    /** @return the configuration keys the plugin reads; each must start with {@code <name>.} */
    default List<ConfigKey<?>> configKeys() {
        return List.of();
    }

    /** Registers handlers and starts work; a thrown exception disables the plugin and is reported. */
    void start(PluginContext context) throws Exception;

    /**
     * Why the plugin cannot do its work now, one line each (e.g. a script with no way to run);
     * empty while it can. {@code GET /health} answers 503 naming them. Called from any thread
     * while the plugin is enabled; must be quick.
     *
     * <pre>{@code
     * public List<String> healthProblems() {
     *     return pool.isBroken() ? List.of("database pool: " + pool.lastError()) : List.of();
     * }
     * }</pre>
     */
    default List<String> healthProblems() {
        return List.of();
    }

    /** Stops work; called on disable and at broker shutdown. */
    default void stop() throws Exception {}
}
