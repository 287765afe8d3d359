package io.hookline.plugin.webhooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.mqtt3.exceptions.Mqtt3ConnAckException;
import io.hookline.broker.hooks.plugins.PluginRegistry;
import io.hookline.broker.testsupport.Clients;
import io.hookline.broker.testsupport.TestBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runtime registrations survive a restart; bad registrations in broker.conf or on disk stop the plugin, named. */
class WebhookPersistenceTest {
    @TempDir
    Path data;

    WebhookFixture fx;

    @BeforeEach
    void start() {
        fx = new WebhookFixture();
        fx.answer("/deny", "{\"result\":{\"error\":\"no\"}}");
    }

    @AfterEach
    void stop() {
        fx.close();
    }

    @Test
    void runtimeRegistrationsSurviveARestartAndDeregistrationsToo() throws Exception {
        WebhookSpec spec = WebhookSpec.of("auth_on_register", fx.url("/deny"))
                .withOnError("allow")
                .withResponseTimeout(Duration.ofMillis(1500))
                .withPriority(7)
                .withSecret("k")
                .withHeaders(Map.of("X-A", "1"));
        WebhookSpec filtered = WebhookSpec.of("on_publish", fx.url("/deny"))
                .withBase64Payload(false)
                .withTopicFilters(List.of("a/#"));
        try (TestBroker first = fx.broker(data)) {
            WebhookFixture.api(first).register(spec);
            WebhookFixture.api(first).register(filtered);
        }
        Path file = data.resolve("plugins/webhooks/registrations.json");
        assertTrue(Files.exists(file));
        try (TestBroker second = fx.broker(data)) {
            Webhooks api = WebhookFixture.api(second);
            assertEquals(List.of(spec, filtered), api.registrations());
            assertEquals("runtime", api.show().get(0).get("source"));
            assertThrows(
                    Mqtt3ConnAckException.class,
                    () -> Clients.v3(second, "after-restart").toBlocking().connect());
            api.deregister("auth_on_register", fx.url("/deny"));
        }
        try (TestBroker third = fx.broker(data)) {
            assertEquals(List.of(filtered), WebhookFixture.api(third).registrations());
            Clients.v3Connected(third, "free-again").disconnect();
        }
    }

    @Test
    void badConfigEntriesStopThePluginNamingTheKey() {
        try (TestBroker b = fx.broker(data, "webhooks.a1.hook", "auth_on_register")) {
            PluginRegistry.Status s = WebhookFixture.status(b);
            assertEquals(PluginRegistry.State.FAILED, s.state());
            assertTrue(s.problem().contains("webhooks.a1.endpoint is missing"), s.problem());
        }
        try (TestBroker b =
                fx.broker(data, "webhooks.a2.hook", "auth_on_nothing", "webhooks.a2.endpoint", fx.url("/x"))) {
            assertTrue(
                    WebhookFixture.status(b).problem().contains("webhooks.a2: unknown hook 'auth_on_nothing'"),
                    WebhookFixture.status(b).problem());
        }
        try (TestBroker b = fx.broker(data, "webhooks.a3.hook", "on_publish", "webhooks.a3.endpoint", "ftp://x")) {
            assertTrue(
                    WebhookFixture.status(b).problem().contains("webhooks.a3: malformed endpoint URL 'ftp://x'"),
                    WebhookFixture.status(b).problem());
        }
    }

    @Test
    void aCorruptRegistrationFileStopsThePluginRatherThanLosingIt() throws Exception {
        Path file = data.resolve("plugins/webhooks/registrations.json");
        Files.createDirectories(file.getParent());
        Files.writeString(file, "{\"webhooks\":[{\"hook\":\"auth_on_nothing\",\"endpoint\":\"http://x\"}]}");
        try (TestBroker b = fx.broker(data)) {
            String problem = WebhookFixture.status(b).problem();
            assertTrue(problem.contains("registration #1: unknown hook 'auth_on_nothing'"), problem);
        }
        assertTrue(Files.readString(file).contains("auth_on_nothing"), "left as it was");
    }
}
