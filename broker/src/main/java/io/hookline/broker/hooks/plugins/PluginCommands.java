package io.hookline.broker.hooks.plugins;

import io.hookline.api.command.CommandHandler;
import io.hookline.api.command.CommandRegistration;
import io.hookline.api.command.CommandSpec;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where plugins' admin commands go ({@code context.commands()}): in a broker, the admin command
 * tree ({@code admin.CommandRegistry::addPlugin}). An interface here, so that the plugin layer
 * does not depend on the admin layer that shows plugins. Implementations are thread-safe.
 */
@FunctionalInterface
public interface PluginCommands {

    /**
     * Adds a plugin's command.
     *
     * @param owner the plugin's name
     * @throws IllegalArgumentException when its words are taken
     */
    CommandRegistration add(CommandSpec spec, CommandHandler handler, String owner);

    /**
     * Commands kept apart from any command tree (a plugin registry without a broker, as in tests):
     * taken words are still refused, as the broker's tree would.
     */
    static PluginCommands detached() {
        Map<String, String> owners = new ConcurrentHashMap<>();
        return (spec, handler, owner) -> {
            String before = owners.putIfAbsent(spec.name(), owner);
            if (before != null) {
                throw new IllegalArgumentException("command '" + spec.name() + "' is already registered by " + before);
            }
            return () -> owners.remove(spec.name(), owner);
        };
    }
}
