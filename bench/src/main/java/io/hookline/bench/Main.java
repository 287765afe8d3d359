package io.hookline.bench;

import io.hookline.bench.client.Transport;
import io.hookline.bench.report.HookTable;
import io.hookline.bench.report.Json;
import io.hookline.bench.report.RunResult;
import io.hookline.bench.report.Tables;
import io.hookline.bench.scenario.Scenario;
import io.hookline.bench.scenario.ScenarioParams;
import io.hookline.bench.scenario.ScenarioRunner;
import io.hookline.bench.scenario.StandardSet;
import io.hookline.bench.scenario.Target;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Command line of the load generator. Runs each scenario against every target in turn (so the
 * brokers see the same conditions one after the other), prints a side-by-side table per scenario
 * and optionally writes JSON and Markdown. Printing the report to stdout is this program's output.
 */
public final class Main {
    private static final String USAGE = """
      usage: hookline-bench --target NAME=127.0.0.1:PORT[@PID][/127.0.0.1:PORT,...] [--target ...]
                            [--hooks-target ...] [--hooks-baseline NAME=127.0.0.1:PORT[@PID]]
                            [--hooks-repeat N]
                            (--standard [--scale F] | --scenario NAME [--scenario ...])
                            [--qos 0|1|2] [--payload BYTES] [--publishers N] [--subscribers N]
                            [--rate MSG_PER_S (0 = flat out)] [--duration SECONDS]
                            [--connections N] [--inflight N] [--threads N] [--nio] [--no-warmup]
                            [--persistent (clients connect with clean session 0)]
                            [--repeat N (median of N alternating runs)] [--json FILE|-] [--markdown FILE]
        scenarios: p2p, fan-out, shared-fan-in, connection-ramp, publish-with-hooks
        the ratio column is first column / last column; PID enables broker CPU/RSS sampling.
        /HOST:PORT,...: a cluster: publishers connect to the first address, subscribers to these in turn.
        publish-with-hooks runs p2p against every --hooks-target (a broker with an auth_on_publish
        handler) and the baseline: --hooks-baseline (the same broker without a handler, started the
        same way) or else the first --target; without hook targets it is "not available". Its
        flat-out run is repeated --hooks-repeat times (default: --repeat), baseline next to the first
        hook target, and each column is the median run.
        repeated runs alternate the brokers' order (A B C, C B A, ...) so drift hits them alike.
      """;

    private Main() {}

    public static void main(String[] args) {
        PrintStream out = System.out;
        try {
            System.exit(run(args, out));
        } catch (IllegalArgumentException e) {
            System.err.println("hookline-bench: " + e.getMessage());
            System.err.print(USAGE);
            System.exit(2);
        }
    }

    static int run(String[] args, PrintStream out) {
        List<Target> targets = new ArrayList<>();
        List<Target> hookTargets = new ArrayList<>();
        Target hooksBaseline = null;
        List<String> scenarios = new ArrayList<>();
        Map<String, String> opt = new LinkedHashMap<>();
        boolean standard = false;
        boolean nio = false;
        boolean warmup = true;
        boolean persistent = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--help", "-h" -> {
                    out.print(USAGE);
                    return 0;
                }
                case "--standard" -> standard = true;
                case "--nio" -> nio = true;
                case "--no-warmup" -> warmup = false;
                case "--persistent" -> persistent = true;
                case "--target" -> targets.add(Target.parse(value(args, ++i, a)));
                case "--hooks-target" -> hookTargets.add(Target.parse(value(args, ++i, a)));
                case "--hooks-baseline" -> {
                    if (hooksBaseline != null) {
                        throw new IllegalArgumentException("--hooks-baseline is given twice");
                    }
                    hooksBaseline = Target.parse(value(args, ++i, a));
                }
                case "--scenario" -> scenarios.add(value(args, ++i, a));
                case "--qos",
                        "--payload",
                        "--publishers",
                        "--subscribers",
                        "--rate",
                        "--duration",
                        "--connections",
                        "--inflight",
                        "--threads",
                        "--json",
                        "--markdown",
                        "--scale",
                        "--repeat",
                        "--hooks-repeat" -> opt.put(a, value(args, ++i, a));
                default -> throw new IllegalArgumentException("unknown argument " + a);
            }
        }
        if (targets.isEmpty()) {
            throw new IllegalArgumentException("at least one --target is required");
        }
        if (standard == !scenarios.isEmpty()) {
            throw new IllegalArgumentException("give either --standard or one or more --scenario");
        }
        double scale = Double.parseDouble(opt.getOrDefault("--scale", "1"));
        if (!(scale > 0 && scale <= 10)) {
            throw new IllegalArgumentException("--scale must be in (0, 10]");
        }
        List<ScenarioParams> plan = new ArrayList<>();
        if (standard) {
            plan.addAll(StandardSet.runs(scale));
        } else {
            for (String s : scenarios) {
                plan.add(fromOptions(Scenario.byName(s), opt));
            }
        }
        int threads = Integer.parseInt(opt.getOrDefault(
                "--threads", Integer.toString(Math.min(2, Runtime.getRuntime().availableProcessors()))));
        if (threads < 1 || threads > 64) {
            throw new IllegalArgumentException("--threads must be 1..64");
        }

        int repeat = Integer.parseInt(opt.getOrDefault("--repeat", "1"));
        if (repeat < 1 || repeat > 5) {
            throw new IllegalArgumentException("--repeat must be 1..5");
        }
        int hooksRepeat = Integer.parseInt(opt.getOrDefault("--hooks-repeat", Integer.toString(repeat)));
        if (hooksRepeat < 1 || hooksRepeat > 9) {
            throw new IllegalArgumentException("--hooks-repeat must be 1..9");
        }
        if (hooksBaseline != null && hookTargets.isEmpty()) {
            throw new IllegalArgumentException("--hooks-baseline needs --hooks-target");
        }
        List<RunResult> results = new ArrayList<>();
        List<RunResult> allRuns = new ArrayList<>();
        Instant started = Instant.now();
        try (ScenarioRunner runner = new ScenarioRunner(Transport.create(threads, !nio), persistent)) {
            boolean warm = !warmup;
            for (int pi = 0; pi < plan.size(); pi++) {
                ScenarioParams p = plan.get(pi);
                List<Target> against = targetsFor(p.scenario(), targets, hookTargets, hooksBaseline);
                if (!warm && p.scenario().isMessaging() && !against.isEmpty()) {
                    // Before the first measured messaging run, not at start: a connection ramp placed first
                    // then sees a freshly started broker, whose RSS growth is the clients' and not the heap's.
                    for (Target t : everyTarget(targets, hookTargets, hooksBaseline)) {
                        out.println("# warm-up against " + t.name() + " (not reported)");
                        runner.run(StandardSet.warmup(scale), t);
                    }
                    warm = true;
                }
                // A connection ramp is measured once: only the first one sees a fresh broker.
                // The hooks placeholder has nothing to repeat.
                if (against.isEmpty()) {
                    RunResult r = RunResult.notAvailable(
                            p.label(),
                            targets.get(0).name(),
                            p.toMap(),
                            "not available: needs --hooks-target, a broker with an auth_on_publish handler (bench/run-all starts them)");
                    allRuns.add(r);
                    results.add(r);
                    out.println();
                    out.println("== " + p.label());
                    out.print(Tables.render(List.of(r), false));
                    out.println();
                    continue;
                }
                int times = timesFor(p, repeat, hooksRepeat);
                List<List<RunResult>> perTarget = new ArrayList<>();
                for (int i = 0; i < against.size(); i++) {
                    perTarget.add(new ArrayList<>());
                }
                for (int rep = 1; rep <= times; rep++) {
                    // Alternate brokers within each repetition, and the direction between
                    // repetitions, so a disturbance or a drift hits them alike.
                    for (int i : runOrder(p.scenario(), against.size(), rep)) {
                        Target t = against.get(i);
                        out.println("# " + p.label() + " against " + t.name()
                                + (times > 1 ? " (run " + rep + "/" + times + ")" : ""));
                        RunResult r = runner.run(p, t);
                        perTarget.get(i).add(r);
                        allRuns.add(r);
                    }
                }
                List<RunResult> row = new ArrayList<>();
                for (List<RunResult> runs : perTarget) {
                    row.add(median(runs));
                }
                results.addAll(row);
                if (standard
                        && p.equals(StandardSet.maxReference(scale))
                        && row.get(0).messaging() != null) {
                    // latency at half of the first broker's (Hookline's) flat-out rate, right after the
                    // fixed-rate latency run
                    ScenarioParams half =
                            StandardSet.halfOfMax(scale, row.get(0).messaging().receiveRate());
                    int at = plan.indexOf(StandardSet.fixedRateLatency(scale));
                    plan.add(at < 0 ? pi + 1 : at + 1, half);
                }
                out.println();
                out.println("== " + p.label() + (times > 1 ? " (median of " + times + " runs by received msg/s)" : ""));
                out.print(Tables.render(row, false));
                out.println();
            }
            Map<String, Object> report = new LinkedHashMap<>();
            report.put("started", started.toString());
            report.put("finished", Instant.now().toString());
            report.put("transport", runner.transportName());
            report.put("generator_threads", threads);
            List<Object> ts = new ArrayList<>();
            for (Target t : everyTarget(targets, hookTargets, hooksBaseline)) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("name", t.name());
                m.put(
                        "address",
                        t.address().getAddress().getHostAddress() + ":"
                                + t.address().getPort());
                m.put("pid", t.hasPid() ? t.pid() : null);
                ts.add(m);
            }
            report.put("targets", ts);
            List<Object> rs = new ArrayList<>();
            for (RunResult r : results) {
                rs.add(r.toMap());
            }
            report.put("results", rs);
            if (repeat > 1 || hooksRepeat > 1) {
                report.put("repeat", repeat);
                report.put("hooks_repeat", hooksRepeat);
                List<Object> all = new ArrayList<>();
                for (RunResult r : allRuns) {
                    all.add(r.toMap());
                }
                report.put("all_runs", all);
            }
            write(opt.get("--json"), Json.write(report), out);
            write(
                    opt.get("--markdown"),
                    markdown(results, allRuns, runner.transportName(), threads, repeat, hooksRepeat),
                    out);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot write report: " + e.getMessage(), e);
        }
        return allRuns.stream()
                        .anyMatch(r -> r.status().equals("failed") || r.status().equals("qos-violated"))
                ? 1
                : 0;
    }

    /**
     * The run with the median received msg/s (the lower middle for an even count); failed runs sort
     * first, so a majority of failures shows as a failure.
     */
    static RunResult median(List<RunResult> runs) {
        List<RunResult> sorted = new ArrayList<>(runs);
        sorted.sort(java.util.Comparator.comparingDouble(
                r -> r.messaging() == null ? -1 : r.messaging().receiveRate()));
        return sorted.get((sorted.size() - 1) / 2);
    }

    /**
     * Who a scenario runs against: every --target, except publish-with-hooks, which runs against the
     * hook targets and then the no-hook baseline ({@code baseline}, else the first --target), so the
     * ratio column reads "with this hook / without"; empty when there are no hook targets.
     */
    static List<Target> targetsFor(Scenario s, List<Target> targets, List<Target> hookTargets, Target baseline) {
        if (s != Scenario.PUBLISH_WITH_HOOKS) {
            return targets;
        }
        if (hookTargets.isEmpty()) {
            return List.of();
        }
        List<Target> l = new ArrayList<>(hookTargets);
        l.add(baseline != null ? baseline : targets.get(0));
        return l;
    }

    /**
     * How many times a run is repeated: once for a connection ramp (only the first sees a fresh
     * broker), {@code hooksRepeat} for the flat-out publish-with-hooks run (its ratio is the figure a
     * hook's cost is judged by; one flat-out pair on a shared machine moves by more than that cost),
     * {@code repeat} otherwise.
     */
    static int timesFor(ScenarioParams p, int repeat, int hooksRepeat) {
        if (!p.scenario().isMessaging()) {
            return 1;
        }
        return p.scenario() == Scenario.PUBLISH_WITH_HOOKS && p.rate() == 0 ? hooksRepeat : repeat;
    }

    /**
     * The order of the {@code n} targets in repetition {@code rep} (from 1): forward in odd
     * repetitions, backward in even ones. For publish-with-hooks, whose baseline is listed last, the
     * baseline runs first and the first hook target right after it (and right before it on the way
     * back), so the pair whose ratio is closest to 1 is always measured side by side.
     */
    static int[] runOrder(Scenario s, int n, int rep) {
        int[] order = new int[n];
        for (int k = 0; k < n; k++) {
            order[k] = s == Scenario.PUBLISH_WITH_HOOKS ? (k + n - 1) % n : k;
        }
        if (rep % 2 == 0) {
            for (int a = 0, b = n - 1; a < b; a++, b--) {
                int t = order[a];
                order[a] = order[b];
                order[b] = t;
            }
        }
        return order;
    }

    private static List<Target> everyTarget(List<Target> targets, List<Target> hookTargets, Target baseline) {
        List<Target> l = new ArrayList<>(targets);
        l.addAll(hookTargets);
        if (baseline != null) {
            l.add(baseline);
        }
        return l;
    }

    private static void write(String where, String text, PrintStream out) throws IOException {
        if (where == null) {
            return;
        }
        if (where.equals("-")) {
            out.print(text);
        } else {
            Files.writeString(Path.of(where), text);
        }
    }

    /** The results part of docs/benchmarks.md: one section per scenario, with its parameters. */
    static String markdown(
            List<RunResult> results,
            List<RunResult> allRuns,
            String transport,
            int threads,
            int repeat,
            int hooksRepeat) {
        StringBuilder sb = new StringBuilder();
        sb.append("Load generator: ")
                .append(transport)
                .append(" transport, ")
                .append(threads)
                .append(" event-loop threads, in the same machine as the broker under test.");
        if (repeat > 1) {
            sb.append(" Each messaging scenario ran ")
                    .append(repeat)
                    .append(" times per broker, alternating")
                    .append(" brokers; each column is the run with the median received msg/s (all runs are in")
                    .append(" the JSON).");
        }
        sb.append("\n\n");
        String memory = Tables.memory(results, true);
        if (!memory.isEmpty()) {
            sb.append("### Memory\n\n")
                    .append("RSS per idle connection: the broker's RSS growth over a connection ramp divided by its")
                    .append(" clients (MQTT 3.1.1, clean session, keep alive 0, no subscriptions). RSS peak: the")
                    .append(" highest VmRSS sampled during the flat-out p2p runs below.\n\n")
                    .append(memory)
                    .append('\n');
        }
        String hooks = HookTable.render(results, allRuns, true);
        if (!hooks.isEmpty()) {
            sb.append("### Hook cost\n\n")
                    .append("p2p QoS 1 flat out (the publish-with-hooks run below) through one `auth_on_publish`")
                    .append(" handler per broker, against the same broker without one: delivered msg/s, their")
                    .append(" ratio, and the broker CPU per delivered message (100% of a core = 10,000 us/s).");
            if (hooksRepeat > 1) {
                sb.append(" The flat-out run was repeated ")
                        .append(hooksRepeat)
                        .append(" times, the brokers in turn (the baseline next to the first handler, the")
                        .append(" order reversed every other time); each row is a broker's median run, and the")
                        .append(" last column each repetition's ratio.");
            }
            sb.append("\n\n").append(hooks).append('\n');
        }
        for (Map.Entry<String, List<RunResult>> e : Tables.byScenario(results).entrySet()) {
            sb.append("### ").append(e.getKey()).append("\n\n");
            sb.append("Parameters: `").append(e.getValue().get(0).parameters()).append("`\n\n");
            sb.append(Tables.render(e.getValue(), true)).append('\n');
        }
        return sb.toString();
    }

    private static ScenarioParams fromOptions(Scenario s, Map<String, String> opt) {
        ScenarioParams p = ScenarioParams.defaults(s);
        int pubs = p.publishers();
        int subs = p.subscribers();
        if (opt.containsKey("--publishers")) {
            pubs = Integer.parseInt(opt.get("--publishers"));
            if (s.isPointToPoint() && !opt.containsKey("--subscribers")) {
                subs = pubs;
            }
        }
        if (opt.containsKey("--subscribers")) {
            subs = Integer.parseInt(opt.get("--subscribers"));
            if (s.isPointToPoint() && !opt.containsKey("--publishers")) {
                pubs = subs;
            }
        }
        p = p.withClients(pubs, subs);
        if (opt.containsKey("--qos")) {
            p = p.withQos(Integer.parseInt(opt.get("--qos")));
        }
        if (opt.containsKey("--payload")) {
            p = p.withPayload(Integer.parseInt(opt.get("--payload")));
        }
        if (opt.containsKey("--rate")) {
            p = p.withRate(Double.parseDouble(opt.get("--rate")));
        }
        if (opt.containsKey("--duration")) {
            p = p.withDuration(Duration.ofMillis((long) (Double.parseDouble(opt.get("--duration")) * 1000)));
        }
        if (opt.containsKey("--connections")) {
            p = p.withConnections(Integer.parseInt(opt.get("--connections")));
        }
        if (opt.containsKey("--inflight")) {
            p = p.withInflight(Integer.parseInt(opt.get("--inflight")));
        }
        return p;
    }

    private static String value(String[] args, int i, String name) {
        if (i >= args.length) {
            throw new IllegalArgumentException(name + " needs a value");
        }
        return args[i];
    }
}
