package io.hookline.broker.http;

import static io.hookline.broker.testsupport.Clients.bytes;
import static io.hookline.broker.testsupport.Clients.v5Connected;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import io.hookline.broker.Broker;
import io.hookline.broker.config.Config;
import io.hookline.broker.metrics.BrokerMetrics;
import io.hookline.broker.testsupport.TestBroker;
import io.hookline.broker.testsupport.TestHttpServer;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class MetricsHandlerTest {
    private TestBroker broker;
    private MetricsHandler metrics;
    private TestHttpServer http;

    @BeforeEach
    void start() {
        broker = TestBroker.start("plugins.example", "on");
        metrics = new MetricsHandler(broker.broker());
        http = TestHttpServer.start(Map.of("/metrics", metrics));
    }

    @AfterEach
    void stop() {
        http.close();
        metrics.close();
        broker.close();
    }

    private Scrape scrape() throws Exception {
        HttpResponse<String> r = Http.get(http.uri("/metrics"));
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(
                "text/plain; version=0.0.4; charset=utf-8",
                r.headers().firstValue("content-type").orElseThrow());
        return Scrape.parse(r.body());
    }

    @Test
    void countersMoveWhenClientsPublish() throws Exception {
        Scrape before = scrape();
        assertEquals(0, before.require("hookline_connections"));
        assertEquals(0, before.require("hookline_messages_received_total", "qos", "1"));

        Mqtt5BlockingClient sub = v5Connected(broker, "metrics-sub");
        Mqtt5BlockingClient pub = v5Connected(broker, "metrics-pub");
        try (var publishes = sub.publishes(MqttGlobalPublishFilter.ALL)) {
            sub.subscribeWith().topicFilter("m/#").qos(MqttQos.AT_LEAST_ONCE).send();
            for (int i = 0; i < 3; i++) {
                pub.publishWith()
                        .topic("m/" + i)
                        .qos(MqttQos.AT_LEAST_ONCE)
                        .payload(bytes("12345"))
                        .send();
            }
            for (int i = 0; i < 3; i++) {
                assertTrue(publishes.receive(5, TimeUnit.SECONDS).isPresent(), "message " + i + " delivered");
            }
            pub.publishWith()
                    .topic("m/zero")
                    .qos(MqttQos.AT_MOST_ONCE)
                    .payload(bytes("0"))
                    .send();
            assertTrue(publishes.receive(5, TimeUnit.SECONDS).isPresent());

            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                Scrape s = scrape();
                assertEquals(2, s.require("hookline_connections"));
                assertEquals(2, s.require("hookline_sessions", "state", "online"));
                assertEquals(0, s.require("hookline_sessions", "state", "offline"));
                assertEquals(1, s.require("hookline_subscriptions"));
                assertEquals(2, s.require("hookline_listener_connections", "listener", "tcp.default"));
                assertEquals(1, s.require("hookline_listener_up", "listener", "tcp.default"));
                assertEquals(3, s.require("hookline_messages_received_total", "qos", "1"));
                assertEquals(3, s.require("hookline_messages_sent_total", "qos", "1"));
                assertEquals(1, s.require("hookline_messages_received_total", "qos", "0"));
                assertEquals(15, s.require("hookline_publish_bytes_received_total", "qos", "1"));
                assertEquals(15, s.require("hookline_publish_bytes_sent_total", "qos", "1"));
                assertEquals(2, s.require("hookline_connections_accepted_total"));
                assertTrue(s.require("hookline_bytes_received_total") > 60, "CONNECT+SUBSCRIBE+4 PUBLISH bytes");
                assertTrue(s.require("hookline_bytes_sent_total") > 40);
                // the example plugin's auth_on_publish_m5 handler saw the 4 publishes
                assertEquals(4, s.require("hookline_hook_calls_total", "hook", "auth_on_publish_m5"));
                assertEquals(
                        4,
                        s.require(
                                "hookline_hook_handler_calls_total",
                                "hook",
                                "auth_on_publish_m5",
                                "plugin",
                                "example"));
                assertEquals(
                        4,
                        s.require(
                                "hookline_hook_handler_latency_seconds_count",
                                "hook",
                                "auth_on_publish_m5",
                                "plugin",
                                "example"));
                assertEquals(
                        4,
                        s.require(
                                "hookline_hook_handler_latency_seconds_bucket",
                                "hook",
                                "auth_on_publish_m5",
                                "plugin",
                                "example",
                                "le",
                                "+Inf"));
            });
        } finally {
            sub.disconnect();
            pub.disconnect();
        }
    }

    @Test
    void deniedPublishesShowInHookAndPluginMetrics() throws Exception {
        Mqtt5BlockingClient pub = v5Connected(broker, "metrics-denied");
        try {
            assertThrows(
                    Mqtt5PubAckException.class,
                    () -> pub.publishWith()
                            .topic("secret/x")
                            .qos(MqttQos.AT_LEAST_ONCE)
                            .payload(bytes("x"))
                            .send());
            Scrape s = scrape();
            assertEquals(1, s.require("hookline_hook_denials_total", "hook", "auth_on_publish_m5"));
            assertEquals(
                    1,
                    s.require(
                            "hookline_hook_handler_denials_total", "hook", "auth_on_publish_m5", "plugin", "example"));
            assertEquals(0, s.require("hookline_hook_errors_total", "hook", "auth_on_publish_m5"));
            assertEquals(0, s.require("hookline_hook_timeouts_total", "hook", "auth_on_publish_m5"));
            assertEquals(0, s.require("hookline_hook_cancelled_total", "hook", "auth_on_publish_m5"));
            assertEquals(1, s.require("hookline_plugin_example_refused_total"));
            assertEquals(1, s.require("hookline_publishes_denied_total"));
        } finally {
            pub.disconnect();
        }
    }

    @Test
    void everyBrokerCounterJvmAndNettyMemoryAreExported() throws Exception {
        Scrape s = scrape();
        for (BrokerMetrics.Counter c : BrokerMetrics.Counter.values()) {
            String lower = c.name().toLowerCase(Locale.ROOT);
            if (lower.startsWith("dropped_")) {
                continue;
            }
            if (lower.startsWith("limit_")) {
                assertEquals(0, s.require("hookline_limits_hit_total", "limit", lower.substring(6)), c.name());
            } else {
                assertEquals(0, s.require("hookline_" + lower + "_total"), c.name());
            }
        }
        for (String reason : new String[] {"queue_full", "expired", "max_packet_size_exceeded"}) {
            assertEquals(0, s.require("hookline_messages_dropped_total", "reason", reason));
        }
        assertTrue(s.require("hookline_jvm_memory_used_bytes", "area", "heap", "id", "G1 Eden Space") >= 0
                || s.hasName("hookline_jvm_memory_used_bytes"));
        assertTrue(s.hasName("hookline_jvm_threads_live_threads"));
        assertTrue(s.hasName("hookline_process_uptime_seconds"));
        assertTrue(s.require("hookline_netty_allocator_memory_used_bytes", "area", "direct") >= 0);
        assertTrue(s.require("hookline_netty_allocator_arenas", "area", "heap") > 0);
        assertEquals(0, s.require("hookline_retained_messages"));
        assertEquals(0, s.require("hookline_queued_messages", "state", "offline"));
        assertEquals(0, s.require("hookline_inflight_messages"));
        assertEquals(1, s.require("hookline_build_info"));
        for (Scrape.Sample sample : s.samples()) {
            assertTrue(sample.name().startsWith("hookline_"), "every name is prefixed: " + sample.name());
        }
    }

    @Test
    void queuedMessagesOfAnOfflineSessionAreCounted() throws Exception {
        Mqtt5BlockingClient sub = com.hivemq.client.mqtt.MqttClient.builder()
                .useMqttVersion5()
                .identifier("metrics-offline")
                .serverHost("127.0.0.1")
                .serverPort(broker.port())
                .buildBlocking();
        sub.connectWith().cleanStart(true).sessionExpiryInterval(300).send();
        sub.subscribeWith().topicFilter("q/#").qos(MqttQos.AT_LEAST_ONCE).send();
        sub.disconnect();
        Mqtt5BlockingClient pub = v5Connected(broker, "metrics-offline-pub");
        try {
            pub.publishWith()
                    .topic("q/1")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload(bytes("a"))
                    .send();
            pub.publishWith()
                    .topic("q/2")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload(bytes("b"))
                    .send();
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                Scrape s = scrape();
                assertEquals(1, s.require("hookline_sessions", "state", "offline"));
                assertEquals(2, s.require("hookline_queued_messages", "state", "offline"));
            });
        } finally {
            pub.disconnect();
        }
    }

    @Test
    void listenersStartedAfterTheHandlerWasMadeAreExported() throws Exception {
        var schema = Broker.configSchema(Broker.discoverPlugins(null));
        Broker late = new Broker(Config.of(
                Map.of("listener.tcp.late", "127.0.0.1:0", "systree_interval", "0", "persistence", "off"),
                schema)); // listeners only: no store under the module's data/
        try (MetricsHandler handler = new MetricsHandler(late);
                TestHttpServer server = TestHttpServer.start(Map.of("/metrics", handler))) {
            Scrape before = Scrape.parse(Http.get(server.uri("/metrics")).body());
            assertTrue(
                    before.value("hookline_listener_up", "listener", "tcp.late").isEmpty());
            late.start();
            Scrape after = Scrape.parse(Http.get(server.uri("/metrics")).body());
            assertEquals(1, after.require("hookline_listener_up", "listener", "tcp.late"));
            late.listeners().get(0).close();
            Scrape closed = Scrape.parse(Http.get(server.uri("/metrics")).body());
            assertEquals(0, closed.require("hookline_listener_up", "listener", "tcp.late"));
        } finally {
            late.close();
        }
    }

    @Test
    void aBadPluginMetricIsLeftOutNotTheWholeScrape() throws Exception {
        var plugins = broker.broker().pluginMetrics();
        plugins.counter("hookline_plugin_t_clash").add(3);
        plugins.gauge("hookline_plugin_t_clash", () -> 7);
        plugins.gauge("hookline_plugin_t_broken", () -> {
            throw new IllegalStateException("broken gauge");
        });
        plugins.timer("hookline_plugin_t_call").recordNanos(2_000_000);
        Scrape s = scrape();
        assertEquals(3, s.require("hookline_plugin_t_clash_total"));
        assertTrue(s.value("hookline_plugin_t_clash").isEmpty(), "the clashing gauge is left out");
        assertTrue(s.value("hookline_plugin_t_broken").isEmpty());
        assertEquals(1, s.require("hookline_plugin_t_call_seconds_count"));
        assertEquals(0, s.require("hookline_plugin_t_call_seconds_bucket", "le", "0.001"));
        assertEquals(1, s.require("hookline_plugin_t_call_seconds_bucket", "le", "0.005"));
        assertEquals(0, s.require("hookline_plugin_example_refused_total"), "other plugin metrics still there");
    }

    @Test
    void openMetricsWhenTheScraperAsksForIt() throws Exception {
        HttpResponse<String> r =
                Http.get(http.uri("/metrics"), "Accept", "application/openmetrics-text; version=1.0.0");
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("content-type").orElseThrow().startsWith("application/openmetrics-text"));
        assertTrue(r.body().endsWith("# EOF\n"), "OpenMetrics ends with # EOF");
    }

    @Test
    void postIsRefusedWith405() throws Exception {
        HttpResponse<String> r = Http.post(http.uri("/metrics"));
        assertEquals(405, r.statusCode());
        assertEquals("GET, HEAD", r.headers().firstValue("allow").orElseThrow());
        assertEquals("{\"type\":\"error\",\"error\":\"POST /metrics is read-only: use GET\"}", r.body());
    }
}
