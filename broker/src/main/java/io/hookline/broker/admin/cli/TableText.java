package io.hookline.broker.admin.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** Renders a {@code {"type":"table"}} answer as aligned text columns. Stateless. */
final class TableText {
    private TableText() {}

    static String render(JsonNode rows) {
        if (rows.isEmpty()) {
            return "(no rows)\n";
        }
        Set<String> columns = new LinkedHashSet<>();
        rows.forEach(r -> r.fieldNames().forEachRemaining(columns::add));
        List<String> names = new ArrayList<>(columns);
        int[] width = new int[names.size()];
        List<String[]> cells = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            width[i] = names.get(i).length();
        }
        for (JsonNode r : rows) {
            String[] line = new String[names.size()];
            for (int i = 0; i < names.size(); i++) {
                JsonNode v = r.get(names.get(i));
                line[i] = v == null || v.isNull() ? "" : v.isValueNode() ? v.asText() : v.toString();
                width[i] = Math.max(width[i], line[i].length());
            }
            cells.add(line);
        }
        StringBuilder b = new StringBuilder();
        append(b, names.toArray(String[]::new), width);
        for (String[] line : cells) {
            append(b, line, width);
        }
        return b.toString();
    }

    private static void append(StringBuilder b, String[] line, int[] width) {
        StringBuilder l = new StringBuilder();
        for (int i = 0; i < line.length; i++) {
            l.append(line[i]);
            if (i < line.length - 1) {
                l.append(" ".repeat(width[i] - line[i].length() + 2));
            }
        }
        b.append(l.toString().stripTrailing()).append('\n');
    }
}
