package io.hookline.plugin.webhooks;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.hookline.broker.hooks.plugins.PluginRegistry;
import io.hookline.broker.testsupport.TestBroker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** A WireMock endpoint plus brokers with the webhooks plugin on; closes what it started. */
final class WebhookFixture implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();

    final WireMockServer http;
    private final List<TestBroker> brokers = Collections.synchronizedList(new ArrayList<>());

    /** With WireMock's request journal, for tests that read what was sent. */
    WebhookFixture() {
        this(20, true);
    }

    WebhookFixture(int httpThreads, boolean journal) {
        var opts = options()
                .dynamicPort()
                .bindAddress("127.0.0.1")
                .containerThreads(httpThreads)
                .jettyAcceptors(1);
        http = new WireMockServer(journal ? opts : opts.disableRequestJournal());
        http.start();
    }

    String url(String path) {
        return "http://127.0.0.1:" + http.port() + path;
    }

    /** A POST to {@code path} is answered 200 with the JSON {@code body}. */
    void answer(String path, String body) {
        http.stubFor(post(urlPathEqualTo(path))
                .willReturn(aResponse()
                        .withStatus(200)
                        .withHeader("content-type", "application/json")
                        .withBody(body)));
    }

    /** A broker with {@code plugins.webhooks = on}, state in {@code dataDir}, plus {@code keyValues}. */
    TestBroker broker(Path dataDir, String... keyValues) {
        List<String> kv = new ArrayList<>(List.of("plugins.webhooks", "on", "data_dir", dataDir.toString()));
        kv.addAll(List.of(keyValues));
        TestBroker b = TestBroker.start(kv.toArray(String[]::new));
        brokers.add(b);
        return b;
    }

    static Webhooks api(TestBroker broker) {
        return ((WebhooksPlugin) broker.broker().plugins().plugin("webhooks").orElseThrow()).webhooks();
    }

    static PluginRegistry.Status status(TestBroker broker) {
        return broker.broker().plugins().list().stream()
                .filter(s -> s.name().equals("webhooks"))
                .findFirst()
                .orElseThrow();
    }

    /** The bodies POSTed with {@code vernemq-hook: hook}, in arrival order. */
    List<JsonNode> bodies(String hook) {
        List<JsonNode> out = new ArrayList<>();
        for (LoggedRequest r : http.findAll(com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor(
                com.github.tomakehurst.wiremock.client.WireMock.anyUrl()))) {
            if (hook.equals(r.getHeader("vernemq-hook"))) {
                try {
                    out.add(JSON.readTree(r.getBodyAsString()));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
        return out;
    }

    List<LoggedRequest> requests(String hook) {
        return http.findAll(com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor(
                        com.github.tomakehurst.wiremock.client.WireMock.anyUrl())
                .withHeader("vernemq-hook", com.github.tomakehurst.wiremock.client.WireMock.equalTo(hook)));
    }

    @Override
    public void close() {
        synchronized (brokers) {
            for (TestBroker b : brokers) {
                b.close();
            }
            brokers.clear();
        }
        http.stop();
    }
}
