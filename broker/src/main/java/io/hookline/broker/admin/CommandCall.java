package io.hookline.broker.admin;

import io.hookline.api.command.CommandException;
import io.hookline.api.command.CommandParam;
import io.hookline.api.command.CommandRequest;
import io.hookline.api.command.CommandSpec;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Checks the raw values of one call against a command's declaration and makes the
 * {@link CommandRequest} its handler sees. Raw names start with {@code --} for flags.
 */
public final class CommandCall {
    private CommandCall() {}

    /**
     * @param raw names to values as given ({@code client-id} → {@code x}, {@code --cleanup} → {@code ""})
     * @param positional words after the command words: fill the optional arguments in order
     * @throws CommandException 400 naming the first bad, missing or unknown argument
     */
    public static CommandRequest bind(CommandSpec spec, Map<String, String> raw, List<String> positional) {
        Map<String, String> values = new LinkedHashMap<>();
        int next = 0;
        for (String word : positional) {
            while (next < spec.arguments().size() && spec.arguments().get(next).required()) {
                next++;
            }
            if (next >= spec.arguments().size()) {
                throw new CommandException(
                        400,
                        "unexpected word '" + word + "' after '" + spec.name() + "'; arguments are given as key=value");
            }
            values.put(spec.arguments().get(next++).name(), word);
        }
        for (Map.Entry<String, String> e : raw.entrySet()) {
            String name = e.getKey();
            if (name.startsWith("--")) {
                String flag = name.substring(2);
                CommandParam p = find(spec.flags(), flag);
                if (p == null) {
                    throw new CommandException(
                            400, "unknown flag --" + flag + " for '" + spec.name() + "'" + known(spec));
                }
                check(p, "--" + flag, e.getValue());
                values.put(flag, e.getValue());
            } else {
                CommandParam p = find(spec.arguments(), name);
                if (p == null && spec.freeArguments() == null) {
                    throw new CommandException(
                            400, "unknown argument " + name + " for '" + spec.name() + "'" + known(spec));
                }
                if (p != null) {
                    check(p, name, e.getValue());
                }
                values.put(name, e.getValue());
            }
        }
        for (CommandParam p : spec.arguments()) {
            if (p.required() && !values.containsKey(p.name())) {
                throw new CommandException(400, "missing argument " + p.name() + "=.. (" + p.help() + ")");
            }
        }
        Map<String, String> withDefaults = new LinkedHashMap<>(values);
        for (List<CommandParam> ps : List.of(spec.arguments(), spec.flags())) {
            for (CommandParam p : ps) {
                if (p.defaultValue() != null) {
                    withDefaults.putIfAbsent(p.name(), p.defaultValue());
                }
            }
        }
        Map<String, String> given = Collections.unmodifiableMap(values);
        Map<String, String> all = Collections.unmodifiableMap(withDefaults);
        return new CommandRequest() {
            @Override
            public Optional<String> value(String name) {
                return Optional.ofNullable(all.get(name));
            }

            @Override
            public Map<String, String> values() {
                return given;
            }
        };
    }

    private static void check(CommandParam p, String shown, String value) {
        if (p.type() != io.hookline.api.command.ParamType.BOOLEAN
                && value.isEmpty()
                && !(p.type() == io.hookline.api.command.ParamType.STRING && shown.startsWith("--"))) {
            throw new CommandException(400, "missing value for " + shown + " (" + p.help() + ")");
        }
        String problem = p.type().check(value);
        if (problem != null) {
            throw new CommandException(400, "bad value for " + shown + ": " + problem);
        }
    }

    private static CommandParam find(List<CommandParam> ps, String name) {
        for (CommandParam p : ps) {
            if (p.name().equals(name)) {
                return p;
            }
        }
        return null;
    }

    private static String known(CommandSpec spec) {
        StringBuilder b = new StringBuilder();
        for (CommandParam p : spec.arguments()) {
            b.append(b.isEmpty() ? "" : ", ").append(p.name()).append("=..");
        }
        for (CommandParam p : spec.flags()) {
            b.append(b.isEmpty() ? "" : ", ").append("--").append(p.name());
        }
        return b.isEmpty() ? " (it takes none)" : " (known: " + b + ")";
    }
}
