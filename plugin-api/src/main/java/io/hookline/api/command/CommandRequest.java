package io.hookline.api.command;

import java.util.Map;
import java.util.Optional;

/**
 * The validated arguments of one command call: every declared {@code key=value} argument and
 * {@code --flag} that was given or has a default. Immutable.
 *
 * <pre>{@code
 * String user = request.get("username");              // a required argument
 * boolean cleanup = request.flag("cleanup", false);   // a boolean flag
 * }</pre>
 */
public interface CommandRequest {
    /** @return the value of an argument or flag; empty when neither given nor defaulted */
    Optional<String> value(String name);

    /** @return the value of a required argument (validated before the handler runs) */
    default String get(String name) {
        return value(name).orElseThrow(() -> CommandException.badArgument(name, "missing argument " + name));
    }

    /** @return a boolean flag's value ({@code --flag} alone means true) */
    default boolean flag(String name, boolean otherwise) {
        return value(name)
                .map(v -> v.isEmpty() || Boolean.parseBoolean(v) || v.equals("on"))
                .orElse(otherwise);
    }

    /** @return a {@link ParamType#INTEGER} value */
    default long integer(String name, long otherwise) {
        return value(name).map(Long::parseLong).orElse(otherwise);
    }

    /** @return every value given, by name; for free-form commands the {@code key=value} pairs */
    Map<String, String> values();
}
