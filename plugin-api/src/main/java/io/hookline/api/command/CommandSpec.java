package io.hookline.api.command;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The declaration of one admin command: its words ({@code passwd set}), its {@code key=value}
 * arguments and {@code --flags}, help text and whether it changes state (then HTTP wants
 * {@code POST}). Immutable.
 *
 * <pre>{@code
 * CommandSpec spec = CommandSpec.builder("passwd", "set")
 *         .help("adds a user or changes its password")
 *         .argument("username", "the user name")
 *         .argument("password", "the new password")
 *         .changesState()
 *         .build();
 * }</pre>
 *
 * @param words the command words, lower case
 * @param help what it does, for {@code --help}
 * @param changesState true for commands that change something ({@code POST} only)
 * @param arguments {@code key=value} arguments
 * @param flags {@code --flag[=value]} options
 * @param freeArguments non-null when any {@code key=value} is accepted (e.g. {@code config set}); says what they are
 */
public record CommandSpec(
        List<String> words,
        String help,
        boolean changesState,
        List<CommandParam> arguments,
        List<CommandParam> flags,
        String freeArguments) {
    public CommandSpec {
        words = List.copyOf(words);
        arguments = List.copyOf(arguments);
        flags = List.copyOf(flags);
        Objects.requireNonNull(help, "help");
        if (words.isEmpty()) {
            throw new IllegalArgumentException("a command needs words");
        }
        for (String w : words) {
            if (!w.matches("[a-z][a-z0-9_-]*")) {
                throw new IllegalArgumentException("bad command word '" + w + "'");
            }
        }
    }

    /** @return the words joined with spaces, e.g. {@code session show} */
    public String name() {
        return String.join(" ", words);
    }

    public static Builder builder(String... words) {
        return new Builder(List.of(words));
    }

    /** Collects a declaration. */
    public static final class Builder {
        private final List<String> words;
        private String help = "";
        private boolean changesState;
        private final List<CommandParam> arguments = new ArrayList<>();
        private final List<CommandParam> flags = new ArrayList<>();
        private String freeArguments;

        private Builder(List<String> words) {
            this.words = words;
        }

        public Builder help(String help) {
            this.help = help;
            return this;
        }

        public Builder changesState() {
            this.changesState = true;
            return this;
        }

        /** A required {@code name=value} argument. */
        public Builder argument(String name, String help) {
            arguments.add(new CommandParam(name, ParamType.STRING, true, null, help));
            return this;
        }

        /** An optional {@code name=value} argument. */
        public Builder optionalArgument(String name, ParamType type, String defaultValue, String help) {
            arguments.add(new CommandParam(name, type, false, defaultValue, help));
            return this;
        }

        /** A {@code --name[=value]} flag. */
        public Builder flag(String name, ParamType type, String defaultValue, String help) {
            flags.add(new CommandParam(name, type, false, defaultValue, help));
            return this;
        }

        /** Accept any {@code key=value} argument; {@code help} says what they are. */
        public Builder freeArguments(String help) {
            this.freeArguments = help;
            return this;
        }

        public CommandSpec build() {
            return new CommandSpec(words, help, changesState, arguments, flags, freeArguments);
        }
    }
}
