package io.hookline.bench.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hookline.bench.load.SequenceTracker;
import io.hookline.bench.load.SequenceTracker.Delivery;
import io.hookline.bench.probe.ProcessSampler.Usage;
import io.hookline.bench.scenario.Scenario;
import io.hookline.bench.scenario.ScenarioParams;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RunResultJsonTest {
    private static RunResult messagingResult(String target, double receiveRate) {
        SequenceTracker t = new SequenceTracker();
        for (int i = 0; i < 10; i++) {
            t.record(0, i, 2_000_000, i);
        }
        Delivery d = t.delivery(Map.of(0, 10L));
        org.HdrHistogram.Histogram h = SequenceTracker.newHistogram();
        t.addLatencyTo(h);
        ScenarioParams p = ScenarioParams.defaults(Scenario.POINT_TO_POINT);
        RunResult.Messaging m = new RunResult.Messaging(1, 10, 10, d, d.keepsQos(1), 5.0, receiveRate, Latency.of(h));
        Usage u = new Usage(123, 55.5, 1.1, 20.0, 1 << 20, 2 << 20, 2 << 20, 8, 150.0, null);
        return new RunResult(p.label(), target, p.toMap(), "ok", null, m, null, u, u);
    }

    @Test
    void messagingResultHasTheDocumentedKeys() {
        Map<String, Object> m = messagingResult("hookline", 5.0).toMap();
        assertEquals(
                List.of(
                        "scenario",
                        "target",
                        "status",
                        "note",
                        "parameters",
                        "messaging",
                        "broker_process",
                        "generator_process"),
                List.copyOf(m.keySet()));
        @SuppressWarnings("unchecked")
        Map<String, Object> msg = (Map<String, Object>) m.get("messaging");
        for (String k : List.of(
                "qos",
                "sent",
                "received",
                "lost",
                "duplicates",
                "reordered",
                "qos_kept",
                "sent_per_s",
                "received_per_s",
                "latency")) {
            assertTrue(msg.containsKey(k), k);
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> lat = (Map<String, Object>) msg.get("latency");
        assertEquals(
                List.of("count", "mean_us", "p50_us", "p90_us", "p99_us", "p99_9_us", "max_us"),
                List.copyOf(lat.keySet()));
        assertEquals(2000L, lat.get("p50_us"));
    }

    @Test
    void jsonTextIsWellFormedAndEscapesStrings() {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("a", "quote \" backslash \\ newline \n");
        m.put("n", 1.5);
        m.put("nan", Double.NaN);
        m.put("list", List.of(1, true));
        m.put("none", null);
        String json = Json.write(m);
        assertTrue(json.contains("\"quote \\\" backslash \\\\ newline \\n\""), json);
        assertTrue(json.contains("\"n\": 1.5"), json);
        assertTrue(json.contains("\"nan\": null"), json);
        assertTrue(json.contains("\"none\": null"), json);
        assertEquals(count(json, '{'), count(json, '}'));
        assertEquals(count(json, '['), count(json, ']'));
    }

    @Test
    void placeholderScenarioSaysNotAvailableAndCarriesNoNumbers() {
        ScenarioParams p = ScenarioParams.defaults(Scenario.PUBLISH_WITH_HOOKS);
        RunResult r = RunResult.notAvailable(p.label(), "hookline", p.toMap(), "not available yet: no hook engine");
        Map<String, Object> m = r.toMap();
        assertEquals("not-available", m.get("status"));
        assertFalse(m.containsKey("messaging"));
        assertNull(m.get("broker_process"));
    }

    @Test
    void sideBySideTableHasARatioColumn() {
        String table =
                Tables.render(List.of(messagingResult("hookline", 200.0), messagingResult("mosquitto", 100.0)), false);
        String header = table.lines().findFirst().orElseThrow();
        assertTrue(header.contains("hookline/mosquitto"), header);
        String rate = table.lines()
                .filter(l -> l.startsWith("received msg/s"))
                .findFirst()
                .orElseThrow();
        assertTrue(rate.endsWith("2.00"), rate);
    }

    private static long count(String s, char c) {
        return s.chars().filter(x -> x == c).count();
    }
}
