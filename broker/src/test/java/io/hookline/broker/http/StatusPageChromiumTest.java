package io.hookline.broker.http;

import static io.hookline.broker.testsupport.Clients.bytes;
import static io.hookline.broker.testsupport.Clients.v5Connected;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.hookline.broker.testsupport.Chromium;
import io.hookline.broker.testsupport.ClusterNodes;
import io.hookline.broker.testsupport.TestBroker;
import io.hookline.broker.testsupport.TestHttpServer;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The status page in a real browser: it loads, shows the connected clients, draws the chart. */
class StatusPageChromiumTest {
    private static final Pattern POINTS = Pattern.compile("id=\"rate-chart\"[^>]*data-points=\"(\\d+)\"");
    private static final Pattern SAMPLES = Pattern.compile("\"samples\"\\s*:\\s*\\[(.*?)\\]");
    private static final String HOSTILE_ID = "<img src=x onerror=alert(1)>";

    private TestBroker broker;
    private StatusDataHandler data;
    private TestHttpServer http;

    @BeforeEach
    void start() {
        broker = TestBroker.start("plugins.example", "on");
        data = new StatusDataHandler(broker.broker(), Duration.ofMillis(250), 200);
        http = TestHttpServer.start(Map.of("/status", new StatusPageHandler(broker.broker()), "/status/data", data));
    }

    @AfterEach
    void stop() {
        http.close();
        data.close();
        broker.close();
    }

    @Test
    void pageServesOneSelfContainedDocumentWithAStrictPolicy() throws Exception {
        HttpResponse<String> r = Http.get(http.uri("/status"));
        assertEquals(200, r.statusCode());
        assertEquals(
                "text/html; charset=utf-8",
                r.headers().firstValue("content-type").orElseThrow());
        String csp = r.headers().firstValue("content-security-policy").orElseThrow();
        assertTrue(csp.startsWith("default-src 'none'; script-src 'sha256-"), csp);
        assertFalse(r.body().matches("(?s).*(src|href)=\"https?:.*"), "no external resource");
    }

    @Test
    void browserShowsConnectedClientsAndDrawsTheRateChart() throws Exception {
        Optional<Path> chromium = Chromium.find();
        assumeTrue(chromium.isPresent(), Chromium.MISSING);
        Mqtt5BlockingClient client = v5Connected(broker, "status-page-client");
        Mqtt5BlockingClient hostile = v5Connected(broker, HOSTILE_ID);
        try {
            client.subscribeWith().topicFilter("s/#").qos(MqttQos.AT_LEAST_ONCE).send();
            for (int i = 0; i < 30; i++) {
                hostile.publishWith()
                        .topic("s/" + i)
                        .qos(MqttQos.AT_LEAST_ONCE)
                        .payload(bytes("x"))
                        .send();
            }
            // the broker samples rates every 250 ms: the chart needs two samples to draw a line
            await().atMost(Duration.ofSeconds(10)).until(() -> rateSamples() >= 2);
            String dom = Chromium.dumpDom(chromium.get(), http.uri("/status"), 5000);

            assertTrue(dom.contains("<body data-loaded=\"true\">"), "the page rendered the data: " + dom);
            assertTrue(dom.contains(">status-page-client</td>"), "the connected client is listed: " + dom);
            // a client id is text, never markup
            assertTrue(dom.contains(">&lt;img src=x onerror=alert(1)&gt;</td>"), dom);
            assertFalse(dom.contains("<img"), dom);
            Matcher points = POINTS.matcher(dom);
            assertTrue(points.find(), "chart element present: " + dom);
            assertTrue(Integer.parseInt(points.group(1)) >= 2, "several rate samples drawn: " + points.group());
            assertTrue(dom.contains("class=\"line-in\""), "received-rate line drawn: " + dom);
            assertTrue(dom.contains("class=\"line-out\""), "sent-rate line drawn: " + dom);
            assertTrue(dom.contains(">auth_on_publish_m5</td>"), "hook chains listed: " + dom);
            assertTrue(dom.contains(">1. example (priority 1000)</td>"), "handlers listed in order: " + dom);
            assertTrue(dom.contains(">tcp.default</td>"), "listeners listed: " + dom);
            assertTrue(dom.contains("<section id=\"cluster-card\" hidden=\"\""), "no cluster card with cluster = off");
        } finally {
            client.disconnect();
            hostile.disconnect();
        }
    }

    @Test
    void browserShowsTheClusterCardWithEachNodeAndItsMqttAddress() throws Exception {
        Optional<Path> chromium = Chromium.find();
        assumeTrue(chromium.isPresent(), Chromium.MISSING);
        TestBroker node = TestBroker.start(
                "cluster",
                "on",
                "cluster.name",
                "status-" + System.nanoTime(),
                "cluster.node_name",
                "status-node",
                "cluster.listen",
                "127.0.0.1:" + ClusterNodes.freePort(),
                "cluster.data_port",
                "0",
                "cluster.join_wait",
                "1s");
        StatusDataHandler nodeData = new StatusDataHandler(node.broker(), Duration.ofMillis(250), 200);
        TestHttpServer nodeHttp =
                TestHttpServer.start(Map.of("/status", new StatusPageHandler(node.broker()), "/status/data", nodeData));
        try {
            // the node's directory line (MQTT address, clients) is published within a second
            String mqtt = "127.0.0.1:" + node.port();
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> nodeData.render(0).contains("\"mqtt\":\"" + mqtt + "\""));
            String dom = Chromium.dumpDom(chromium.get(), nodeHttp.uri("/status"), 3000);
            assertTrue(dom.contains("<section id=\"cluster-card\">"), "the cluster card is shown: " + dom);
            assertTrue(dom.contains(">status-node (this node)</td>"), "the node's row: " + dom);
            assertTrue(dom.contains(">" + mqtt + "</td>"), "its MQTT address: " + dom);
        } finally {
            nodeHttp.close();
            nodeData.close();
            node.close();
        }
    }

    /** How many rate samples /status/data holds now. */
    private int rateSamples() throws Exception {
        Matcher m = SAMPLES.matcher(Http.get(http.uri("/status/data")).body());
        return m.find() ? (m.group(1).isBlank() ? 0 : m.group(1).split("\\},\\s*\\{").length) : 0;
    }
}
