package io.hookline.broker.admin;

import io.hookline.api.command.CommandSpec;

/**
 * One command of the tree: its declaration, its body, who added it ({@code core} or the
 * plugin's name) and whether it answers with a stream of lines. Immutable.
 */
public record AdminCommand(CommandSpec spec, AdminHandler handler, String owner, boolean streams) {}
