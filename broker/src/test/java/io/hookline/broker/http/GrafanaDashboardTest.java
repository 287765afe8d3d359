package io.hookline.broker.http;

import static io.hookline.broker.testsupport.Clients.bytes;
import static io.hookline.broker.testsupport.Clients.v5Connected;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.hookline.broker.testsupport.TestBroker;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/grafana/hookline.json only charts what the broker exports: every metric name in its
 * expressions is in a real broker's /metrics, with the labels its {@code by (...)} clauses
 * group on and the label values its selectors pick.
 */
class GrafanaDashboardTest {

    private static final Path DASHBOARD = Path.of("../docs/grafana/hookline.json");
    private static final Pattern METRIC = Pattern.compile("\\bhookline_[a-zA-Z0-9_]+");
    private static final Pattern SELECTOR = Pattern.compile("(hookline_[a-zA-Z0-9_]+)\\{([^}]*)}");
    private static final Pattern MATCHER = Pattern.compile("([a-zA-Z_]+)\\s*(=~|!=|!~|=)\\s*\"([^\"]*)\"");
    private static final Pattern BY = Pattern.compile("\\bby\\s*\\(([^)]*)\\)");
    /** Labels Prometheus adds when it scrapes; not in the exposition itself. */
    private static final Set<String> TARGET_LABELS = Set.of("instance", "job");

    @TempDir
    Path dataDir;

    private TestBroker broker;

    @BeforeEach
    void start() {
        // plugins.example registers handlers, so the per-plugin hook series exist
        broker = TestBroker.start(
                "listener.http.default", "127.0.0.1:0", "data_dir", dataDir.toString(), "plugins.example", "on");
    }

    @AfterEach
    void stop() {
        broker.close();
    }

    @Test
    void everyMetricTheDashboardUsesIsExported() throws Exception {
        List<String> expressions = expressions(new ObjectMapper().readTree(DASHBOARD.toFile()));
        Set<String> used = new TreeSet<>();
        for (String e : expressions) {
            Matcher m = METRIC.matcher(e);
            while (m.find()) {
                used.add(m.group());
            }
        }
        // what issue 18 asks the dashboard to show, so a trimmed dashboard fails here too
        assertTrue(
                used.containsAll(List.of(
                        "hookline_connections",
                        "hookline_messages_received_total",
                        "hookline_messages_sent_total",
                        "hookline_hook_handler_calls_total",
                        "hookline_hook_handler_errors_total",
                        "hookline_hook_handler_latency_seconds_bucket",
                        "hookline_queued_messages",
                        "hookline_messages_dropped_total",
                        "hookline_jvm_memory_used_bytes",
                        "hookline_jvm_gc_pause_seconds_count")),
                "the dashboard charts " + used);

        Mqtt5BlockingClient client = v5Connected(broker, "dashboard");
        try {
            client.subscribeWith().topicFilter("d/#").qos(MqttQos.AT_LEAST_ONCE).send();
            client.publishWith()
                    .topic("d/1")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload(bytes("x"))
                    .send();
            // GC pause series appear after the first collection the JVM reports
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                System.gc();
                Scrape scrape = scrape();
                List<String> problems = new ArrayList<>();
                for (String name : used) {
                    if (!scrape.hasName(name)) {
                        problems.add("no " + name);
                    }
                }
                for (String e : expressions) {
                    problems.addAll(labelProblems(e, scrape));
                }
                assertEquals(List.of(), problems, "dashboard expressions the broker cannot answer");
            });
        } finally {
            client.disconnect();
        }
    }

    /** Labels grouped on ({@code by (...)}) exist on a metric of the expression; selected values exist. */
    private static List<String> labelProblems(String expression, Scrape scrape) {
        List<String> problems = new ArrayList<>();
        Set<String> names = new TreeSet<>();
        Matcher metric = METRIC.matcher(expression);
        while (metric.find()) {
            names.add(metric.group());
        }
        Matcher by = BY.matcher(expression);
        while (by.find()) {
            for (String label : by.group(1).split(",")) {
                String l = label.trim();
                if (!l.isEmpty()
                        && !TARGET_LABELS.contains(l)
                        && scrape.samples().stream()
                                .noneMatch(s ->
                                        names.contains(s.name()) && s.labels().containsKey(l))) {
                    problems.add("no label '" + l + "' on " + names + " for: " + expression);
                }
            }
        }
        Matcher selector = SELECTOR.matcher(expression);
        while (selector.find()) {
            String name = selector.group(1);
            Matcher m = MATCHER.matcher(selector.group(2));
            while (m.find()) {
                String label = m.group(1);
                String value = m.group(3);
                if (TARGET_LABELS.contains(label) || !m.group(2).equals("=")) {
                    continue;
                }
                if (scrape.samples().stream()
                        .noneMatch(s ->
                                s.name().equals(name) && value.equals(s.labels().get(label)))) {
                    problems.add("no " + name + "{" + label + "=\"" + value + "\"} for: " + expression);
                }
            }
        }
        return problems;
    }

    /** Every PromQL text in the dashboard: panel targets (rows nest panels) and templating queries. */
    private static List<String> expressions(JsonNode dashboard) {
        List<String> out = new ArrayList<>();
        collect(dashboard.path("panels"), out);
        for (JsonNode variable : dashboard.path("templating").path("list")) {
            if (variable.path("definition").isTextual()) {
                out.add(variable.path("definition").asText());
            }
        }
        assertTrue(out.size() > 30, "the dashboard's expressions were found: " + out.size());
        return out;
    }

    private static void collect(JsonNode panels, List<String> out) {
        for (JsonNode panel : panels) {
            for (JsonNode target : panel.path("targets")) {
                out.add(target.path("expr").asText());
            }
            collect(panel.path("panels"), out);
        }
    }

    private Scrape scrape() throws Exception {
        HttpResponse<String> r = Http.get(URI.create("http://127.0.0.1:" + broker.httpPort() + "/metrics"));
        assertEquals(200, r.statusCode(), r.body());
        return Scrape.parse(r.body());
    }
}
