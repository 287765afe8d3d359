package io.hookline.broker.config;

import java.util.List;

/**
 * A configuration that cannot be used: every problem found, one per entry, each naming where it
 * came from ({@code conf/broker.conf:12: ...}, an environment variable, or a key).
 */
public final class ConfigException extends Exception {

    private static final long serialVersionUID = 1L;

    private final List<String> problems;

    public ConfigException(List<String> problems) {
        super(String.join("\n", problems));
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("a ConfigException needs at least one problem");
        }
        this.problems = List.copyOf(problems);
    }

    public ConfigException(String problem) {
        this(List.of(problem));
    }

    /** The problems in the order found (file order, then environment variables). */
    public List<String> problems() {
        return problems;
    }
}
