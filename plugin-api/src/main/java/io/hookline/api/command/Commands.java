package io.hookline.api.command;

/**
 * Where a plugin adds admin commands ({@code bin/admin} and {@code /api/v1}). Commands are
 * removed when the plugin stops. Thread-safe.
 *
 * <pre>{@code
 * ctx.commands().register(CommandSpec.builder("acl", "reload")
 *         .help("re-reads the password and ACL files now")
 *         .changesState()
 *         .build(), request -> CommandResult.text(reload() ? "reloaded" : "reload failed"));
 * }</pre>
 */
public interface Commands {
    /**
     * Adds a command.
     *
     * @throws IllegalArgumentException when a command with the same words exists
     * @return a handle to remove the command early
     */
    CommandRegistration register(CommandSpec spec, CommandHandler handler);
}
