package io.hookline.bench.report;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The cost of an {@code auth_on_publish} handler in one table: for each broker of the flat-out
 * publish-with-hooks run (one handler each, bench/run-all starts them), its delivered msg/s, that as
 * a ratio to the same broker without a handler (the run's last column), and the broker CPU per
 * delivered message. When the run was repeated (bench/run-all does), a last column gives each
 * repetition's ratio, the handler's run over the baseline's run of the same repetition, so the spread
 * behind the median shows. Stateless.
 */
public final class HookTable {
    private HookTable() {}

    /** @return the table, empty when the results hold no flat-out publish-with-hooks run with a baseline */
    public static String render(List<RunResult> results, boolean markdown) {
        return render(results, results, markdown);
    }

    /**
     * @param results one run per broker (the median when repeated), the baseline last
     * @param allRuns every run in the order made (for the per-repetition ratios)
     * @return the table, empty when the results hold no flat-out publish-with-hooks run with a baseline
     */
    public static String render(List<RunResult> results, List<RunResult> allRuns, boolean markdown) {
        List<RunResult> runs = flatOut(results);
        if (runs.size() < 2) {
            return "";
        }
        RunResult base = runs.get(runs.size() - 1);
        double baseRate = rate(base);
        List<RunResult> all = flatOut(allRuns);
        List<RunResult> baseRuns = of(all, base.target());
        boolean repeated = baseRuns.size() > 1;
        StringBuilder sb = new StringBuilder();
        List<String> header = new ArrayList<>(List.of(
                "auth_on_publish handler",
                "received msg/s",
                "vs " + base.target(),
                "broker CPU us/msg",
                "latency p99 us"));
        if (repeated) {
            header.add("each run vs " + base.target());
        }
        row(sb, markdown, header.toArray(String[]::new));
        if (markdown) {
            sb.append(repeated ? "|---|---:|---:|---:|---:|---:|\n" : "|---|---:|---:|---:|---:|\n");
        }
        for (RunResult r : runs) {
            double rate = rate(r);
            String cpu = "-";
            if (r.broker() != null && r.broker().error() == null && rate > 0) {
                cpu = Tables.format(r.broker().cpuPercent() * 10_000 / rate);
            }
            List<String> cells = new ArrayList<>(List.of(
                    r == base ? r.target() + " (none)" : r.target(),
                    r.messaging() == null ? r.status() : Tables.format(rate),
                    r.messaging() == null || baseRate <= 0 ? "" : String.format(Locale.ROOT, "%.2f", rate / baseRate),
                    cpu,
                    r.messaging() == null
                            ? "-"
                            : Tables.format(r.messaging().latency().p99())));
            if (repeated) {
                cells.add(r == base ? "" : eachRun(of(all, r.target()), baseRuns));
            }
            row(sb, markdown, cells.toArray(String[]::new));
        }
        return sb.toString();
    }

    private static List<RunResult> flatOut(List<RunResult> results) {
        List<RunResult> runs = new ArrayList<>();
        for (RunResult r : results) {
            if ("publish-with-hooks".equals(r.parameters().get("scenario"))
                    && r.parameters().get("rate_per_s") instanceof Number rate
                    && rate.doubleValue() == 0) {
                runs.add(r);
            }
        }
        return runs;
    }

    private static List<RunResult> of(List<RunResult> runs, String target) {
        return runs.stream().filter(r -> r.target().equals(target)).toList();
    }

    /** The k-th run of a handler over the k-th run of the baseline (the same repetition), in order. */
    private static String eachRun(List<RunResult> hooked, List<RunResult> baseRuns) {
        List<String> ratios = new ArrayList<>();
        for (int k = 0; k < Math.min(hooked.size(), baseRuns.size()); k++) {
            double b = rate(baseRuns.get(k));
            ratios.add(
                    b <= 0 || hooked.get(k).messaging() == null
                            ? "-"
                            : String.format(Locale.ROOT, "%.2f", rate(hooked.get(k)) / b));
        }
        return String.join(" ", ratios);
    }

    private static double rate(RunResult r) {
        return r.messaging() == null ? 0 : r.messaging().receiveRate();
    }

    private static void row(StringBuilder sb, boolean markdown, String... cells) {
        if (markdown) {
            sb.append("| ").append(String.join(" | ", cells)).append(" |\n");
        } else {
            sb.append(String.format(Locale.ROOT, "%-32s %16s %12s %18s %15s", (Object[]) Arrays.copyOf(cells, 5)));
            sb.append(cells.length > 5 ? "  " + cells[5] : "").append(System.lineSeparator());
        }
    }
}
