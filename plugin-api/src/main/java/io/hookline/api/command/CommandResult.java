package io.hookline.api.command;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a command answers: a table (rows of column to value, shown as {@code {"type":"table"}})
 * or a text ({@code {"type":"text"}}). Immutable.
 *
 * <pre>{@code
 * return CommandResult.table(List.of(Map.of("username", "alice")));
 * }</pre>
 */
public sealed interface CommandResult {
    /** Rows in display order; each row's columns in insertion order. */
    record Table(List<Map<String, Object>> rows) implements CommandResult {
        public Table {
            List<Map<String, Object>> copy = new ArrayList<>(rows.size());
            for (Map<String, Object> r : rows) {
                copy.add(Collections.unmodifiableMap(new LinkedHashMap<>(r)));
            }
            rows = Collections.unmodifiableList(copy);
        }
    }

    /** A message for the operator. */
    record Text(String text) implements CommandResult {}

    static CommandResult table(List<? extends Map<String, ?>> rows) {
        List<Map<String, Object>> copy = new ArrayList<>();
        for (Map<String, ?> r : rows) {
            copy.add(new LinkedHashMap<>(r));
        }
        return new Table(copy);
    }

    static CommandResult text(String text) {
        return new Text(text);
    }
}
