package io.hookline.broker.admin;

import io.hookline.api.command.CommandSpec;

/**
 * One command of the tree: its declaration, its body, and who added it ({@code core} or the
 * plugin's name). Immutable.
 */
public record AdminCommand(CommandSpec spec, AdminHandler handler, String owner) {
}
