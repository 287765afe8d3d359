package io.hookline.bench.report;

import io.hookline.bench.load.SequenceTracker.Delivery;
import io.hookline.bench.probe.ProcessSampler.Usage;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The outcome of one scenario against one broker. {@code messaging} is set for publish/subscribe
 * scenarios, {@code ramp} for the connection ramp; a scenario that could not run has neither and
 * says why in {@code status}/{@code note}. Immutable.
 *
 * @param status "ok", "qos-violated", "failed", "not-available" or "skipped" (could not run on
 *               this machine: the note says which limit, e.g. the open-file limit)
 */
public record RunResult(
        String scenario,
        String target,
        Map<String, Object> parameters,
        String status,
        String note,
        Messaging messaging,
        Ramp ramp,
        Usage broker,
        Usage generator) {

    public static RunResult notAvailable(String scenario, String target, Map<String, Object> params, String why) {
        return new RunResult(scenario, target, params, "not-available", why, null, null, null, null);
    }

    /** The scenario cannot run on this machine; {@code why} names the limit and what it would need. */
    public static RunResult skipped(String scenario, String target, Map<String, Object> params, String why) {
        return new RunResult(scenario, target, params, "skipped", why, null, null, null, null);
    }

    public static RunResult failed(String scenario, String target, Map<String, Object> params, String why) {
        return new RunResult(scenario, target, params, "failed", why, null, null, null, null);
    }

    /**
     * Counters and rates of a publish/subscribe run. Rates are per second of the publishing window
     * (sent) and of the window from the first to the last arrival (received).
     */
    public record Messaging(
            int qos,
            long sent,
            long acknowledged,
            Delivery delivery,
            boolean qosKept,
            double sendRate,
            double receiveRate,
            Latency latency) {}

    /**
     * The connection ramp: how many clients connected, how fast, and what the broker's RSS grew by.
     */
    public record Ramp(
            int requested,
            int connected,
            int failed,
            double seconds,
            double connectRate,
            long rssBeforeBytes,
            long rssAfterBytes,
            Latency connackLatency,
            int connectedAtHalf,
            long rssAtHalfBytes) {
        /** RSS growth over the whole ramp per connection: includes what the first connections cost once (JIT, first touch of the heap). */
        public double rssPerConnectionBytes() {
            return connected == 0 ? 0 : (double) (rssAfterBytes - rssBeforeBytes) / connected;
        }

        /**
         * RSS growth per connection from half the clients held to all of them: what one more idle
         * connection costs, as at a larger count, without the one-off costs of the first ones.
         */
        public double secondHalfRssPerConnectionBytes() {
            int n = connected - connectedAtHalf;
            return connectedAtHalf <= 0 || n <= 0 ? 0 : (double) (rssAfterBytes - rssAtHalfBytes) / n;
        }
    }

    /** The nested JSON form. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("scenario", scenario);
        m.put("target", target);
        m.put("status", status);
        m.put("note", note);
        m.put("parameters", parameters);
        if (messaging != null) {
            Delivery d = messaging.delivery();
            Map<String, Object> msg = new LinkedHashMap<>();
            msg.put("qos", messaging.qos());
            msg.put("sent", messaging.sent());
            msg.put("acknowledged", messaging.acknowledged());
            msg.put("expected", d.expected());
            msg.put("received", d.received());
            msg.put("unique", d.unique());
            msg.put("lost", d.lost());
            msg.put("duplicates", d.duplicates());
            msg.put("reordered", d.reordered());
            msg.put("unexpected", d.unexpected());
            msg.put("invalid", d.invalid());
            msg.put("qos_kept", messaging.qosKept());
            msg.put("sent_per_s", messaging.sendRate());
            msg.put("received_per_s", messaging.receiveRate());
            msg.put("latency", messaging.latency().toMap());
            m.put("messaging", msg);
        }
        if (ramp != null) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("requested", ramp.requested());
            r.put("connected", ramp.connected());
            r.put("failed", ramp.failed());
            r.put("seconds", ramp.seconds());
            r.put("connects_per_s", ramp.connectRate());
            r.put("rss_before_bytes", ramp.rssBeforeBytes());
            r.put("rss_after_bytes", ramp.rssAfterBytes());
            r.put("rss_per_connection_bytes", ramp.rssPerConnectionBytes());
            r.put("connected_at_half", ramp.connectedAtHalf());
            r.put("rss_at_half_bytes", ramp.rssAtHalfBytes());
            r.put("rss_per_connection_second_half_bytes", ramp.secondHalfRssPerConnectionBytes());
            r.put("connack_latency", ramp.connackLatency().toMap());
            m.put("ramp", r);
        }
        m.put("broker_process", usage(broker));
        m.put("generator_process", usage(generator));
        return m;
    }

    private static Map<String, Object> usage(Usage u) {
        if (u == null) {
            return null;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("pid", u.pid());
        m.put("cpu_percent", u.cpuPercent());
        m.put("cpu_seconds", u.cpuSeconds());
        m.put("system_cpu_percent", u.systemPercent());
        m.put("rss_start_bytes", u.rssStartBytes());
        m.put("rss_peak_bytes", u.rssPeakBytes());
        m.put("rss_end_bytes", u.rssEndBytes());
        m.put("samples", u.samples());
        m.put("machine_cpu_percent", u.machinePercent());
        m.put("error", u.error());
        return m;
    }

    /**
     * The flat rows a table shows, in display order; numbers stay numbers so ratios can be taken.
     * Missing values are absent.
     */
    public Map<String, Object> rows() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("status", status);
        if (messaging != null) {
            Delivery d = messaging.delivery();
            Latency l = messaging.latency();
            m.put("sent msg/s", messaging.sendRate());
            m.put("received msg/s", messaging.receiveRate());
            m.put("sent", messaging.sent());
            m.put("received", d.received());
            m.put("lost", d.lost());
            m.put("duplicates", d.duplicates());
            m.put("reordered", d.reordered());
            m.put("QoS kept", messaging.qosKept() ? "yes" : "NO");
            m.put("latency p50 us", l.p50());
            m.put("latency p90 us", l.p90());
            m.put("latency p99 us", l.p99());
            m.put("latency p99.9 us", l.p999());
            m.put("latency max us", l.max());
        }
        if (ramp != null) {
            m.put("connected", ramp.connected());
            m.put("failed", ramp.failed());
            m.put("connects/s", ramp.connectRate());
            m.put("connack p99 us", ramp.connackLatency().p99());
            m.put("RSS before MiB", ramp.rssBeforeBytes() / 1048576.0);
            m.put("RSS after MiB", ramp.rssAfterBytes() / 1048576.0);
            m.put("RSS per connection KiB", ramp.rssPerConnectionBytes() / 1024.0);
            m.put("RSS per connection, second half KiB", ramp.secondHalfRssPerConnectionBytes() / 1024.0);
        }
        if (broker != null && broker.error() == null) {
            m.put("broker CPU %", broker.cpuPercent());
            m.put("  of which kernel %", broker.systemPercent());
            m.put("broker RSS peak MiB", broker.rssPeakBytes() / 1048576.0);
        }
        if (generator != null && generator.error() == null) {
            m.put("generator CPU %", generator.cpuPercent());
            if (broker != null && broker.error() == null) {
                // Whatever else ran on the machine meanwhile: a large value means the run was disturbed.
                m.put(
                        "other processes CPU %",
                        Math.max(0, generator.machinePercent() - generator.cpuPercent() - broker.cpuPercent()));
            }
        }
        if (note != null) {
            m.put("note", note);
        }
        return m;
    }
}
