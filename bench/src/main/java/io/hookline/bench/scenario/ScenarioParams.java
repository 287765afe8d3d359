package io.hookline.bench.scenario;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Parameters of one scenario run. Immutable; the constructor enforces the bounds that keep a run
 * finite and local.
 *
 * @param rate total offered messages per second over all publishers; 0 means flat out
 * @param connections clients for the connection ramp
 * @param inflight outgoing QoS 1/2 window per publishing client
 */
public record ScenarioParams(
        Scenario scenario,
        int qos,
        int payloadBytes,
        int publishers,
        int subscribers,
        double rate,
        Duration duration,
        int connections,
        int inflight) {

    public static final Duration MAX_DURATION = Duration.ofMinutes(10);
    public static final int MAX_CLIENTS = 10_000;
    public static final int MAX_CONNECTIONS = 200_000;

    public ScenarioParams {
        if (qos < 0 || qos > 2) {
            throw new IllegalArgumentException("qos must be 0, 1 or 2");
        }
        if (payloadBytes < 0 || payloadBytes > 256 * 1024) {
            throw new IllegalArgumentException("payload must be 0..262144 bytes");
        }
        if (publishers < 1 || subscribers < 1 || publishers + subscribers > MAX_CLIENTS) {
            throw new IllegalArgumentException(
                    "publishers and subscribers must be >= 1 and together <= " + MAX_CLIENTS);
        }
        if (rate < 0) {
            throw new IllegalArgumentException("rate must be >= 0 (0 = flat out)");
        }
        if (duration.isNegative() || duration.isZero() || duration.compareTo(MAX_DURATION) > 0) {
            throw new IllegalArgumentException("duration must be in (0, " + MAX_DURATION + "]");
        }
        if (connections < 1 || connections > MAX_CONNECTIONS) {
            throw new IllegalArgumentException("connections must be 1.." + MAX_CONNECTIONS);
        }
        if (inflight < 1 || inflight > 65_000) {
            throw new IllegalArgumentException("inflight must be 1..65000");
        }
        if (scenario.isPointToPoint() && publishers != subscribers) {
            throw new IllegalArgumentException(
                    "p2p pairs each publisher with one subscriber: publishers must equal subscribers");
        }
    }

    /** Defaults: QoS 1, 64-byte payload, 4 publishers, 4 subscribers, flat out, 10 s, 1000 connections, window 100. */
    public static ScenarioParams defaults(Scenario s) {
        return new ScenarioParams(s, 1, 64, s == Scenario.FAN_OUT ? 1 : 4, 4, 0, Duration.ofSeconds(10), 1000, 100);
    }

    public ScenarioParams withQos(int q) {
        return new ScenarioParams(
                scenario, q, payloadBytes, publishers, subscribers, rate, duration, connections, inflight);
    }

    public ScenarioParams withClients(int pubs, int subs) {
        return new ScenarioParams(scenario, qos, payloadBytes, pubs, subs, rate, duration, connections, inflight);
    }

    public ScenarioParams withRate(double r) {
        return new ScenarioParams(
                scenario, qos, payloadBytes, publishers, subscribers, r, duration, connections, inflight);
    }

    public ScenarioParams withDuration(Duration d) {
        return new ScenarioParams(scenario, qos, payloadBytes, publishers, subscribers, rate, d, connections, inflight);
    }

    public ScenarioParams withPayload(int bytes) {
        return new ScenarioParams(scenario, qos, bytes, publishers, subscribers, rate, duration, connections, inflight);
    }

    public ScenarioParams withConnections(int n) {
        return new ScenarioParams(scenario, qos, payloadBytes, publishers, subscribers, rate, duration, n, inflight);
    }

    public ScenarioParams withInflight(int n) {
        return new ScenarioParams(scenario, qos, payloadBytes, publishers, subscribers, rate, duration, connections, n);
    }

    /** A short human label that identifies the run in tables, e.g. "p2p qos1 64B 4->4 flat-out 10s". */
    public String label() {
        if (scenario == Scenario.CONNECTION_RAMP) {
            return scenario.cliName() + " " + connections + " clients";
        }
        String r = rate == 0 ? "flat-out" : String.format(Locale.ROOT, "%.0f msg/s", rate);
        return String.format(
                Locale.ROOT,
                "%s qos%d %dB %d->%d %s %ds",
                scenario.cliName(),
                qos,
                payloadBytes,
                publishers,
                subscribers,
                r,
                duration.toSeconds());
    }

    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("scenario", scenario.cliName());
        if (scenario == Scenario.CONNECTION_RAMP) {
            m.put("connections", connections);
            return m;
        }
        m.put("qos", qos);
        m.put("payload_bytes", payloadBytes);
        m.put("publishers", publishers);
        m.put("subscribers", subscribers);
        m.put("rate_per_s", rate);
        m.put("duration_s", duration.toMillis() / 1000.0);
        m.put("inflight_window", inflight);
        return m;
    }
}
