package io.hookline.plugin.acl;

import io.hookline.api.command.CommandException;
import io.hookline.api.command.CommandResult;
import io.hookline.api.command.CommandSpec;
import io.hookline.api.command.Commands;
import io.hookline.api.command.Refusals;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The ACL plugin's admin commands: {@code passwd set|delete|show} edit the password file (and
 * reload it at once), {@code acl reload} re-reads both files. Registered through the plugin API
 * like any plugin's; stateless.
 */
final class AclCommands {
    /** A user name the password file cannot hold (PasswordFileEditor refuses it). */
    private static final Refusals BAD_USERNAME = Refusals.when(
            IllegalArgumentException.class,
            e -> CommandException.badArgument("username", "username: " + e.getMessage()));

    private AclCommands() {}

    /** @param passwordFile null when {@code acl.password_file} is empty (passwd commands then refuse) */
    static void register(Commands commands, AclPlugin plugin, Path passwordFile) {
        commands.register(
                CommandSpec.builder("passwd", "set")
                        .help(
                                "adds a user to the password file or changes its password ($7$ PBKDF2-SHA512); applies at once")
                        .argument("username", "the user name")
                        .argument("password", "the new password")
                        .changesState()
                        .build(),
                request -> {
                    Path file = require(passwordFile);
                    String user = request.get("username");
                    BAD_USERNAME.run(() -> PasswordFileEditor.set(file, user, request.get("password")));
                    plugin.reload();
                    return CommandResult.text("password of '" + user + "' set in " + file);
                });
        commands.register(
                CommandSpec.builder("passwd", "delete")
                        .help("removes a user from the password file; applies at once")
                        .argument("username", "the user name")
                        .changesState()
                        .build(),
                request -> {
                    Path file = require(passwordFile);
                    String user = request.get("username");
                    boolean removed = BAD_USERNAME.call(() -> PasswordFileEditor.delete(file, user));
                    if (!removed) {
                        throw CommandException.notFound("no user '" + user + "' in " + file);
                    }
                    plugin.reload();
                    return CommandResult.text("user '" + user + "' deleted from " + file);
                });
        commands.register(
                CommandSpec.builder("passwd", "show")
                        .help("the user names in the password file (never the hashes)")
                        .build(),
                request -> {
                    List<Map<String, Object>> rows = new ArrayList<>();
                    for (String u : PasswordFileEditor.users(require(passwordFile))) {
                        rows.add(Map.of("username", u));
                    }
                    return CommandResult.table(rows);
                });
        commands.register(
                CommandSpec.builder("acl", "reload")
                        .help("re-reads the password and ACL files now; a broken file keeps the last good rules")
                        .changesState()
                        .build(),
                request -> {
                    if (!plugin.reload()) {
                        throw CommandException.conflict("reload failed: " + String.join("; ", plugin.problems())
                                + "; the last good rules stay in force");
                    }
                    return CommandResult.text("password and ACL files reloaded");
                });
    }

    private static Path require(Path file) {
        if (file == null) {
            throw CommandException.conflict("acl.password_file is empty: there is no password file to edit");
        }
        return file;
    }
}
