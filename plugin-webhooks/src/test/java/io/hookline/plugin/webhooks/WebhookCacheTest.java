package io.hookline.plugin.webhooks;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.hivemq.client.mqtt.mqtt3.exceptions.Mqtt3ConnAckException;
import io.hookline.broker.testsupport.Clients;
import io.hookline.broker.testsupport.TestBroker;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** cache-control on auth answers, end to end: what is cached, what is not, and clearing. */
class WebhookCacheTest {
    @TempDir
    static Path data;

    static WebhookFixture fx;
    static TestBroker broker;
    static Webhooks api;

    @BeforeAll
    static void start() {
        fx = new WebhookFixture();
        answer("/max-age", "max-age=60", null, "{\"result\":\"ok\"}");
        answer("/no-store", "no-store, max-age=60", null, "{\"result\":\"ok\"}");
        answer("/max-age-0", "max-age=0", null, "{\"result\":\"ok\"}");
        answer("/error-cached", "max-age=60", null, "{\"result\":{\"error\":\"no\"}}");
        answer("/error-opt-in", "max-age=60", "true", "{\"result\":{\"error\":\"no\"}}");
        broker = fx.broker(data);
        api = WebhookFixture.api(broker);
    }

    static void answer(String path, String cacheControl, String cacheErrors, String body) {
        var r = aResponse()
                .withStatus(200)
                .withHeader("cache-control", cacheControl)
                .withBody(body);
        if (cacheErrors != null) {
            r = r.withHeader(AuthCache.CACHE_ERRORS_HEADER, cacheErrors);
        }
        fx.http.stubFor(post(urlPathEqualTo(path)).willReturn(r));
    }

    @AfterAll
    static void stop() {
        fx.close();
    }

    @BeforeEach
    void reset() {
        fx.http.resetRequests();
    }

    @AfterEach
    void deregisterAll() {
        for (WebhookSpec s : api.registrations()) {
            api.deregister(s.hook(), s.endpoint());
        }
        api.cacheClear();
    }

    private static void register(String path) {
        api.register(WebhookSpec.of("auth_on_register", fx.url(path)));
    }

    private static void connect(String clientId) {
        Clients.v3Connected(broker, clientId).disconnect();
    }

    private static int calls(String path) {
        return (int) fx.requests("auth_on_register").stream()
                .filter(r -> r.getUrl().equals(path))
                .count();
    }

    @Test
    void maxAgeIsHonouredAndClearTargetsOneClient() {
        register("/max-age");
        connect("c1");
        connect("c1");
        connect("c2");
        assertEquals(2, calls("/max-age"), "the second connect of c1 came from the cache");
        assertEquals(2, api.cacheShow().size());
        assertEquals("c1", api.cacheShow().get(0).get("client_id"));
        assertEquals("ok", api.cacheShow().get(0).get("result"));
        assertEquals(1, api.cacheClear("c1"));
        connect("c1");
        connect("c2");
        assertEquals(3, calls("/max-age"), "c1 asked again, c2 still cached");
        assertEquals(1L, api.show().get(0).get("cache_hits") instanceof Long l ? l - 1 : -1);
        assertEquals(2, api.cacheClear());
        assertEquals(0, api.cacheShow().size());
    }

    @Test
    void noStoreAndMaxAgeZeroAreNotCached() {
        register("/no-store");
        connect("n1");
        connect("n1");
        assertEquals(2, calls("/no-store"));
        deregisterAll();
        register("/max-age-0");
        connect("z1");
        connect("z1");
        assertEquals(2, calls("/max-age-0"));
        assertEquals(0, api.cacheShow().size());
    }

    @Test
    void errorsAreCachedOnlyWhenTheEndpointOptsIn() {
        register("/error-cached");
        assertThrows(
                Mqtt3ConnAckException.class,
                () -> Clients.v3(broker, "e1").toBlocking().connect());
        assertThrows(
                Mqtt3ConnAckException.class,
                () -> Clients.v3(broker, "e1").toBlocking().connect());
        assertEquals(2, calls("/error-cached"));
        deregisterAll();
        register("/error-opt-in");
        assertThrows(
                Mqtt3ConnAckException.class,
                () -> Clients.v3(broker, "e2").toBlocking().connect());
        assertThrows(
                Mqtt3ConnAckException.class,
                () -> Clients.v3(broker, "e2").toBlocking().connect());
        assertEquals(1, calls("/error-opt-in"));
        assertEquals("error", api.cacheShow().get(0).get("result"));
    }
}
