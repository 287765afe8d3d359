package io.hookline.bench.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The cost of an {@code auth_on_publish} handler in one table: for each broker of the flat-out
 * publish-with-hooks run (one handler each, bench/run-all starts them), its delivered msg/s, that as
 * a ratio to the same broker without a handler (the run's last column), and the broker CPU per
 * delivered message. Stateless.
 */
public final class HookTable {
    private HookTable() {}

    /** @return the table, empty when the results hold no flat-out publish-with-hooks run with a baseline */
    public static String render(List<RunResult> results, boolean markdown) {
        List<RunResult> runs = new ArrayList<>();
        for (RunResult r : results) {
            if ("publish-with-hooks".equals(r.parameters().get("scenario"))
                    && r.parameters().get("rate_per_s") instanceof Number rate
                    && rate.doubleValue() == 0) {
                runs.add(r);
            }
        }
        if (runs.size() < 2) {
            return "";
        }
        RunResult base = runs.get(runs.size() - 1);
        double baseRate = rate(base);
        StringBuilder sb = new StringBuilder();
        String[] header = {
            "auth_on_publish handler", "received msg/s", "vs " + base.target(), "broker CPU us/msg", "latency p99 us"
        };
        row(sb, markdown, header);
        if (markdown) {
            sb.append("|---|---:|---:|---:|---:|\n");
        }
        for (RunResult r : runs) {
            double rate = rate(r);
            String cpu = "-";
            if (r.broker() != null && r.broker().error() == null && rate > 0) {
                cpu = Tables.format(r.broker().cpuPercent() * 10_000 / rate);
            }
            row(
                    sb,
                    markdown,
                    r == base ? r.target() + " (none)" : r.target(),
                    r.messaging() == null ? r.status() : Tables.format(rate),
                    r.messaging() == null || baseRate <= 0 ? "" : String.format(Locale.ROOT, "%.2f", rate / baseRate),
                    cpu,
                    r.messaging() == null
                            ? "-"
                            : Tables.format(r.messaging().latency().p99()));
        }
        return sb.toString();
    }

    private static double rate(RunResult r) {
        return r.messaging() == null ? 0 : r.messaging().receiveRate();
    }

    private static void row(StringBuilder sb, boolean markdown, String... cells) {
        if (markdown) {
            sb.append("| ").append(String.join(" | ", cells)).append(" |\n");
        } else {
            sb.append(String.format(Locale.ROOT, "%-32s %16s %12s %18s %15s%n", (Object[]) cells));
        }
    }
}
