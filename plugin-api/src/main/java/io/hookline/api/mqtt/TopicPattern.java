package io.hookline.api.mqtt;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A topic pattern with named parameters, for routing in plugins and scripts. Levels are split
 * on {@code /}; each level of the pattern is one of:
 * <ul>
 *   <li>{@code :name}: exactly one non-empty level, captured as {@code name};</li>
 *   <li>{@code *name}: the rest of the topic (not empty), one level or more, captured as {@code name}
 *       (levels joined by {@code /}); last level only;</li>
 *   <li>{@code +}: one level, not captured; {@code #}: the rest, zero levels or more, not
 *       captured, last level only (as in MQTT filters);</li>
 *   <li>anything else: that exact level.</li>
 * </ul>
 * As with MQTT filters, a pattern starting with a parameter or wildcard does not match a topic
 * starting with {@code $}.
 *
 * <pre>{@code
 * TopicPattern p = TopicPattern.compile("devices/:id/telemetry");
 * p.match("devices/d-7/telemetry");        // Optional[{id=d-7}]
 * TopicPattern.compile("files/*path").match("files/a/b.txt");   // Optional[{path=a/b.txt}]
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 */
public final class TopicPattern {
    private enum Kind {
        LITERAL,
        PARAM,
        REST,
        ONE,
        ANY
    }

    private record Level(Kind kind, String text) {}

    private final String pattern;
    private final List<Level> levels;
    private final List<String> names;

    private TopicPattern(String pattern, List<Level> levels, List<String> names) {
        this.pattern = pattern;
        this.levels = levels;
        this.names = names;
    }

    /**
     * @throws IllegalArgumentException naming the level that is wrong: an empty pattern, a bad or
     *     repeated parameter name, {@code *name} or {@code #} before the last level
     */
    public static TopicPattern compile(String pattern) {
        if (pattern == null || pattern.isEmpty()) {
            throw new IllegalArgumentException("empty topic pattern");
        }
        String[] parts = pattern.split("/", -1);
        List<Level> levels = new ArrayList<>(parts.length);
        List<String> names = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < parts.length; i++) {
            String p = parts[i];
            boolean last = i == parts.length - 1;
            Level level;
            if (p.startsWith(":") || p.startsWith("*")) {
                String name = p.substring(1);
                if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
                    throw new IllegalArgumentException("pattern '" + pattern + "', level " + (i + 1) + " '" + p
                            + "': a parameter name is letters, digits and _, not starting with a digit");
                }
                if (!seen.add(name)) {
                    throw new IllegalArgumentException(
                            "pattern '" + pattern + "': parameter '" + name + "' appears twice");
                }
                if (p.startsWith("*") && !last) {
                    throw new IllegalArgumentException("pattern '" + pattern + "', level " + (i + 1) + " '" + p
                            + "': a catch-all must be the last level");
                }
                names.add(name);
                level = new Level(p.startsWith(":") ? Kind.PARAM : Kind.REST, name);
            } else if (p.equals("+")) {
                level = new Level(Kind.ONE, p);
            } else if (p.equals("#")) {
                if (!last) {
                    throw new IllegalArgumentException(
                            "pattern '" + pattern + "', level " + (i + 1) + " '#': # must be the last level");
                }
                level = new Level(Kind.ANY, p);
            } else if (p.contains("+") || p.contains("#")) {
                throw new IllegalArgumentException("pattern '" + pattern + "', level " + (i + 1) + " '" + p
                        + "': + and # stand for whole levels only");
            } else {
                level = new Level(Kind.LITERAL, p);
            }
            levels.add(level);
        }
        return new TopicPattern(pattern, List.copyOf(levels), List.copyOf(names));
    }

    /** @return the captured values by parameter name (in pattern order), or empty when the topic does not match */
    public Optional<Map<String, String>> match(String topic) {
        if (topic == null || topic.isEmpty()) {
            return Optional.empty();
        }
        if (topic.startsWith("$") && levels.get(0).kind() != Kind.LITERAL) {
            return Optional.empty();
        }
        Map<String, String> values = names.isEmpty() ? Map.of() : new LinkedHashMap<>();
        int pos = 0;
        int n = topic.length();
        for (int i = 0; i < levels.size(); i++) {
            Level level = levels.get(i);
            if (level.kind() == Kind.ANY) {
                return Optional.of(frozen(values));
            }
            if (pos > n) {
                return Optional.empty(); // the topic ran out of levels
            }
            if (level.kind() == Kind.REST) {
                if (pos >= n) {
                    return Optional.empty(); // a catch-all takes one non-empty level or more
                }
                values.put(level.text(), topic.substring(pos));
                return Optional.of(frozen(values));
            }
            int end = topic.indexOf('/', pos);
            if (end < 0) {
                end = n;
            }
            String value = topic.substring(pos, end);
            switch (level.kind()) {
                case LITERAL -> {
                    if (!value.equals(level.text())) {
                        return Optional.empty();
                    }
                }
                case PARAM -> {
                    if (value.isEmpty()) {
                        return Optional.empty();
                    }
                    values.put(level.text(), value);
                }
                default -> {
                    // ONE: any single level
                }
            }
            pos = end + 1;
        }
        return pos == n + 1 ? Optional.of(frozen(values)) : Optional.empty();
    }

    /** @return true when the topic matches */
    public boolean matches(String topic) {
        return match(topic).isPresent();
    }

    /** The parameter names, in pattern order. */
    public List<String> parameters() {
        return names;
    }

    /** The pattern as written. */
    @Override
    public String toString() {
        return pattern;
    }

    private static Map<String, String> frozen(Map<String, String> values) {
        return values.isEmpty() ? Map.of() : Collections.unmodifiableMap(values);
    }
}
