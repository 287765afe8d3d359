package io.hookline.bench.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Renders results side by side: one row per metric, one column per broker, and with two or more
 * brokers a ratio column first/last (e.g. Hookline/Mosquitto). As plain text or Markdown.
 */
public final class Tables {
    private Tables() {}

    /** Results of one scenario (same parameters) against several targets, in target order. */
    public static String render(List<RunResult> sameScenario, boolean markdown) {
        if (sameScenario.isEmpty()) {
            return "";
        }
        List<String> header = new ArrayList<>();
        header.add("metric");
        for (RunResult r : sameScenario) {
            header.add(r.target());
        }
        boolean ratio = sameScenario.size() >= 2;
        if (ratio) {
            header.add(sameScenario.get(0).target() + "/"
                    + sameScenario.get(sameScenario.size() - 1).target());
        }
        Set<String> keys = new LinkedHashSet<>();
        List<Map<String, Object>> cols = new ArrayList<>();
        for (RunResult r : sameScenario) {
            Map<String, Object> rows = r.rows();
            cols.add(rows);
            keys.addAll(rows.keySet());
        }
        List<List<String>> table = new ArrayList<>();
        table.add(header);
        for (String k : keys) {
            List<String> line = new ArrayList<>();
            line.add(k);
            for (Map<String, Object> c : cols) {
                line.add(format(c.get(k)));
            }
            if (ratio) {
                line.add(ratio(cols.get(0).get(k), cols.get(cols.size() - 1).get(k)));
            }
            table.add(line);
        }
        return markdown ? markdown(table) : text(table);
    }

    /**
     * The memory figures side by side, one column per broker (and the first/last ratio): RSS per idle
     * connection for every connection ramp (over the whole ramp, and over its second half: the
     * marginal cost), and the highest broker RSS over the flat-out p2p runs. A ramp that did not run
     * shows its status and why ("skipped: open-file hard limit ..."). Empty when the results hold
     * neither.
     */
    public static String memory(List<RunResult> results, boolean markdown) {
        Map<String, Map<String, Object>> byTarget = new LinkedHashMap<>();
        Set<String> keys = new LinkedHashSet<>();
        for (RunResult r : results) {
            String key = null;
            Object value = null;
            if (r.scenario().startsWith("connection-ramp")) {
                String clients = r.parameters().get("connections") + " clients";
                key = "RSS per idle connection KiB, " + clients;
                boolean ok = r.ramp() != null && r.status().equals("ok");
                value = ok
                        ? r.ramp().rssPerConnectionBytes() / 1024.0
                        : r.note() == null ? r.status() : r.status() + ": " + r.note();
                keys.add(key);
                byTarget.computeIfAbsent(r.target(), t -> new LinkedHashMap<>()).put(key, value);
                key = "RSS per idle connection KiB, " + clients + ", second half";
                value = ok ? r.ramp().secondHalfRssPerConnectionBytes() / 1024.0 : "-";
            } else if (flatOutP2p(r) && r.broker() != null && r.broker().error() == null) {
                key = "broker RSS peak MiB, flat-out p2p runs";
                double peak = r.broker().rssPeakBytes() / 1048576.0;
                Object before = byTarget.getOrDefault(r.target(), Map.of()).get(key);
                value = before instanceof Double d ? Math.max(d, peak) : peak;
            }
            if (key != null) {
                keys.add(key);
                byTarget.computeIfAbsent(r.target(), t -> new LinkedHashMap<>()).put(key, value);
            }
        }
        if (keys.isEmpty()) {
            return "";
        }
        List<String> targets = new ArrayList<>(byTarget.keySet());
        List<String> header = new ArrayList<>();
        header.add("metric");
        header.addAll(targets);
        boolean ratio = targets.size() >= 2;
        if (ratio) {
            header.add(targets.get(0) + "/" + targets.get(targets.size() - 1));
        }
        List<List<String>> table = new ArrayList<>();
        table.add(header);
        for (String k : keys) {
            List<String> line = new ArrayList<>();
            line.add(k);
            for (String t : targets) {
                line.add(format(byTarget.get(t).get(k)));
            }
            if (ratio) {
                line.add(ratio(
                        byTarget.get(targets.get(0)).get(k),
                        byTarget.get(targets.get(targets.size() - 1)).get(k)));
            }
            table.add(line);
        }
        return markdown ? markdown(table) : text(table);
    }

    private static boolean flatOutP2p(RunResult r) {
        return "p2p".equals(r.parameters().get("scenario"))
                && r.parameters().get("rate_per_s") instanceof Number rate
                && rate.doubleValue() == 0;
    }

    /** Groups results by scenario label, keeping first-seen order. */
    public static Map<String, List<RunResult>> byScenario(List<RunResult> results) {
        Map<String, List<RunResult>> m = new LinkedHashMap<>();
        for (RunResult r : results) {
            m.computeIfAbsent(r.scenario(), k -> new ArrayList<>()).add(r);
        }
        return m;
    }

    static String ratio(Object a, Object b) {
        if (a instanceof Number x && b instanceof Number y && y.doubleValue() != 0) {
            return String.format(Locale.ROOT, "%.2f", x.doubleValue() / y.doubleValue());
        }
        return "";
    }

    static String format(Object v) {
        if (v == null) {
            return "-";
        }
        if (v instanceof Double d) {
            double a = Math.abs(d);
            if (a >= 1000) {
                return String.format(Locale.ROOT, "%,.0f", d);
            }
            return String.format(Locale.ROOT, a >= 10 ? "%.1f" : "%.2f", d);
        }
        if (v instanceof Long || v instanceof Integer) {
            return String.format(Locale.ROOT, "%,d", ((Number) v).longValue());
        }
        return v.toString();
    }

    private static String text(List<List<String>> table) {
        int[] w = new int[table.get(0).size()];
        for (List<String> row : table) {
            for (int i = 0; i < row.size(); i++) {
                w[i] = Math.max(w[i], row.get(i).length());
            }
        }
        StringBuilder sb = new StringBuilder();
        for (int r = 0; r < table.size(); r++) {
            List<String> row = table.get(r);
            for (int i = 0; i < row.size(); i++) {
                String cell = row.get(i);
                if (i == 0) {
                    sb.append(cell).append(" ".repeat(w[i] - cell.length()));
                } else {
                    sb.append("  ").append(" ".repeat(w[i] - cell.length())).append(cell);
                }
            }
            sb.append('\n');
            if (r == 0) {
                int total = 0;
                for (int x : w) {
                    total += x + 2;
                }
                sb.append("-".repeat(total - 2)).append('\n');
            }
        }
        return sb.toString();
    }

    private static String markdown(List<List<String>> table) {
        StringBuilder sb = new StringBuilder();
        for (int r = 0; r < table.size(); r++) {
            sb.append("| ").append(String.join(" | ", table.get(r))).append(" |\n");
            if (r == 0) {
                sb.append("|---")
                        .append("|---:".repeat(table.get(0).size() - 1))
                        .append("|\n");
            }
        }
        return sb.toString();
    }
}
