package io.hookline.api.command;

import java.util.Objects;

/**
 * One {@code key=value} argument or {@code --flag} of a command.
 *
 * @param name the key or flag name without dashes, e.g. {@code client-id} or {@code cleanup}
 * @param type its type
 * @param required whether it must be given (arguments only)
 * @param defaultValue the value when not given, or null
 * @param help one line for {@code --help}
 */
public record CommandParam(String name, ParamType type, boolean required, String defaultValue, String help) {
    public CommandParam {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(help, "help");
        if (!name.matches("[a-z][a-z0-9_-]*")) {
            throw new IllegalArgumentException("bad parameter name '" + name + "'");
        }
    }
}
