package io.hookline.plugin.webhooks;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt3.exceptions.Mqtt3ConnAckException;
import com.hivemq.client.mqtt.mqtt3.exceptions.Mqtt3SubAckException;
import com.hivemq.client.mqtt.mqtt3.message.connect.connack.Mqtt3ConnAckReturnCode;
import com.hivemq.client.mqtt.mqtt3.message.subscribe.suback.Mqtt3SubAck;
import com.hivemq.client.mqtt.mqtt3.message.subscribe.suback.Mqtt3SubAckReturnCode;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import io.hookline.broker.metrics.BrokerMetrics.Counter;
import io.hookline.broker.testsupport.Clients;
import io.hookline.broker.testsupport.TestBroker;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each answer shape and each failure policy, through a real broker and real clients. */
class WebhookAnswerTest {
    @TempDir
    static Path data;

    static WebhookFixture fx;
    static TestBroker broker;
    static Webhooks api;

    @BeforeAll
    static void start() {
        fx = new WebhookFixture();
        fx.answer("/ok", "{\"result\":\"ok\"}");
        fx.answer("/next", "{\"result\":\"next\"}");
        fx.answer("/error", "{\"result\":{\"error\":\"not_allowed\"}}");
        fx.answer("/badcreds", "{\"result\":{\"error\":\"invalid_credentials\"}}");
        fx.answer("/rewrite-topic", "{\"result\":\"ok\",\"modifiers\":{\"topic\":\"rewritten/t\",\"qos\":0}}");
        fx.answer(
                "/subtopics",
                "{\"result\":\"ok\",\"topics\":[{\"topic\":\"a\",\"qos\":1},{\"topic\":\"b\",\"qos\":128}]}");
        fx.answer("/deliver", "{\"result\":\"ok\",\"modifiers\":{\"payload\":\"Y2hhbmdlZA==\"}}");
        fx.answer("/unknown-modifier", "{\"result\":\"ok\",\"modifiers\":{\"colour\":\"blue\"}}");
        fx.answer("/bad-topic", "{\"result\":\"ok\",\"modifiers\":{\"topic\":\"a/#\"}}");
        fx.answer("/html", "<html>oops</html>");
        fx.answer("/throttle", "{\"result\":\"ok\",\"modifiers\":{\"throttle\":400}}");
        fx.http.stubFor(post(urlPathEqualTo("/500"))
                .willReturn(aResponse().withStatus(500).withBody("{\"result\":\"ok\"}")));
        fx.http.stubFor(post(urlPathEqualTo("/slow"))
                .willReturn(aResponse().withStatus(200).withFixedDelay(3000).withBody("{\"result\":\"ok\"}")));
        broker = fx.broker(data);
        api = WebhookFixture.api(broker);
    }

    @AfterAll
    static void stop() {
        fx.close();
    }

    @AfterEach
    void deregisterAll() {
        for (WebhookSpec s : api.registrations()) {
            api.deregister(s.hook(), s.endpoint());
        }
        api.cacheClear();
    }

    private static WebhookSpec register(String hook, String path, UnaryOperator<WebhookSpec> more) {
        WebhookSpec s = more.apply(WebhookSpec.of(hook, fx.url(path)));
        api.register(s);
        return s;
    }

    private static WebhookSpec register(String hook, String path) {
        return register(hook, path, s -> s);
    }

    private static Mqtt3ConnAckReturnCode refusalV3(String clientId) {
        Mqtt3BlockingClient c = Clients.v3(broker, clientId).toBlocking();
        return assertThrows(Mqtt3ConnAckException.class, c::connect)
                .getMqttMessage()
                .getReturnCode();
    }

    private static Mqtt5ConnAckReasonCode refusalV5(String clientId) {
        Mqtt5BlockingClient c = Clients.v5(broker, clientId).toBlocking();
        return assertThrows(Mqtt5ConnAckException.class, c::connect)
                .getMqttMessage()
                .getReasonCode();
    }

    private static void accepted(String clientId) {
        Clients.v3Connected(broker, clientId).disconnect();
    }

    @Test
    void okAcceptsAndNextFallsThroughToAllowAnonymous() {
        register("auth_on_register", "/ok");
        accepted("ok-client");
        api.deregister("auth_on_register", fx.url("/ok"));
        register("auth_on_register", "/next");
        accepted("next-client");
    }

    @Test
    void errorRefusesWithNotAuthorizedAndInvalidCredentialsWithBadPassword() {
        register("auth_on_register", "/error");
        register("auth_on_register_m5", "/error");
        assertEquals(Mqtt3ConnAckReturnCode.NOT_AUTHORIZED, refusalV3("e3"));
        assertEquals(Mqtt5ConnAckReasonCode.NOT_AUTHORIZED, refusalV5("e5"));
        deregisterAll();
        register("auth_on_register", "/badcreds");
        register("auth_on_register_m5", "/badcreds");
        assertEquals(Mqtt3ConnAckReturnCode.BAD_USER_NAME_OR_PASSWORD, refusalV3("b3"));
        assertEquals(Mqtt5ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD, refusalV5("b5"));
    }

    @Test
    void endpointsOnOneHookFormAnOrderedChain() {
        register("auth_on_register", "/next", s -> s.withPriority(1));
        register("auth_on_register", "/error", s -> s.withPriority(2));
        register("auth_on_register", "/ok", s -> s.withPriority(3));
        assertEquals(Mqtt3ConnAckReturnCode.NOT_AUTHORIZED, refusalV3("chain"));
        List<Map<String, Object>> rows = api.show();
        assertEquals(List.of(1L, 1L, 0L), rows.stream().map(r -> r.get("calls")).toList());
    }

    @Test
    void okWithModifiersRewritesThePublish() throws Exception {
        register("auth_on_publish", "/rewrite-topic");
        Mqtt3BlockingClient sub = Clients.v3Connected(broker, "rw-sub");
        try (var in = sub.publishes(MqttGlobalPublishFilter.ALL)) {
            // the flow before the SUBSCRIBE: the client registers it on its own loop, and a message that
            // comes first is dropped ("No publish flow registered")
            sub.subscribeWith()
                    .topicFilter("rewritten/t")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .send();
            Mqtt3BlockingClient pub = Clients.v3Connected(broker, "rw-pub");
            pub.publishWith()
                    .topic("original")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload(Clients.bytes("m"))
                    .send();
            var got = in.receive(5, TimeUnit.SECONDS).orElseThrow();
            assertEquals("rewritten/t", got.getTopic().toString());
            assertEquals(MqttQos.AT_MOST_ONCE, got.getQos());
            pub.disconnect();
        }
        sub.disconnect();
    }

    @Test
    void throttleModifierPausesThePublisher() throws Exception {
        register("auth_on_publish_m5", "/throttle");
        Mqtt5BlockingClient c = Clients.v5Connected(broker, "throttled");
        long start = System.nanoTime();
        var first = c.toAsync()
                .publishWith()
                .topic("t")
                .qos(MqttQos.AT_LEAST_ONCE)
                .payload(Clients.bytes("1"))
                .send();
        var second = c.toAsync()
                .publishWith()
                .topic("t")
                .qos(MqttQos.AT_LEAST_ONCE)
                .payload(Clients.bytes("2"))
                .send();
        first.get(10, TimeUnit.SECONDS);
        second.get(10, TimeUnit.SECONDS);
        assertTrue(
                System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(400),
                "the second message waited out the first one's throttle of 400 ms");
        assertTrue(broker.broker().metrics().get(Counter.PUBLISHERS_THROTTLED) >= 1);
        c.disconnect();
    }

    @Test
    void subscribeTopicsAnswerRefusesOneTopicAlone() {
        register("auth_on_subscribe", "/subtopics");
        Mqtt3BlockingClient c = Clients.v3Connected(broker, "subs");
        Mqtt3SubAck ack = assertThrows(
                        Mqtt3SubAckException.class,
                        () -> c.subscribeWith()
                                .addSubscription()
                                .topicFilter("a")
                                .qos(MqttQos.EXACTLY_ONCE)
                                .applySubscription()
                                .addSubscription()
                                .topicFilter("b")
                                .qos(MqttQos.AT_LEAST_ONCE)
                                .applySubscription()
                                .send())
                .getMqttMessage();
        assertEquals(
                List.of(Mqtt3SubAckReturnCode.SUCCESS_MAXIMUM_QOS_1, Mqtt3SubAckReturnCode.FAILURE),
                ack.getReturnCodes());
        c.disconnect();
    }

    @Test
    void onDeliverRewritesThePayloadForTheReceiver() throws Exception {
        register("on_deliver", "/deliver");
        Mqtt3BlockingClient sub = Clients.v3Connected(broker, "dl-sub");
        try (var in = sub.publishes(MqttGlobalPublishFilter.ALL)) {
            // the flow before the SUBSCRIBE: the client registers it on its own loop, and a message that
            // comes first is dropped ("No publish flow registered")
            sub.subscribeWith().topicFilter("dl").send();
            Mqtt3BlockingClient pub = Clients.v3Connected(broker, "dl-pub");
            pub.publishWith().topic("dl").payload(Clients.bytes("original")).send();
            assertEquals(
                    "changed",
                    Clients.text(in.receive(5, TimeUnit.SECONDS).orElseThrow().getPayloadAsBytes()));
            pub.disconnect();
        }
        sub.disconnect();
    }

    @Test
    void failuresDenyAuthByDefault() {
        int down = freePort();
        for (String path : List.of("/500", "/html", "/unknown-modifier")) {
            register("auth_on_register", path);
            assertEquals(Mqtt3ConnAckReturnCode.NOT_AUTHORIZED, refusalV3("fail" + path.replace('/', '-')), path);
            api.deregister("auth_on_register", fx.url(path));
        }
        api.register(WebhookSpec.of("auth_on_register", "http://127.0.0.1:" + down + "/auth"));
        assertEquals(Mqtt3ConnAckReturnCode.NOT_AUTHORIZED, refusalV3("down"));
        Map<String, Object> row = api.show().get(0);
        assertEquals(1L, row.get("errors"));
    }

    @Test
    void slowEndpointTimesOutIntoItsPolicy() {
        register("auth_on_register", "/slow", s -> s.withResponseTimeout(Duration.ofMillis(300)));
        // the endpoint would answer ok, later: refused means the call was cut off, counted as a timeout
        assertEquals(Mqtt3ConnAckReturnCode.NOT_AUTHORIZED, refusalV3("slow-deny"));
        assertEquals(1L, api.show().get(0).get("timeouts"));
        deregisterAll();
        register(
                "auth_on_register",
                "/slow",
                s -> s.withResponseTimeout(Duration.ofMillis(300)).withOnError("allow"));
        accepted("slow-allow");
    }

    @Test
    void onErrorAllowAndNext() {
        String down = "http://127.0.0.1:" + freePort() + "/auth";
        api.register(
                WebhookSpec.of("auth_on_register", down).withOnError("allow").withPriority(1));
        register("auth_on_register", "/error", s -> s.withPriority(2));
        accepted("allow"); // allow decides: the error endpoint is not asked
        deregisterAll();
        api.register(
                WebhookSpec.of("auth_on_register", down).withOnError("next").withPriority(1));
        register("auth_on_register", "/error", s -> s.withPriority(2));
        assertEquals(Mqtt3ConnAckReturnCode.NOT_AUTHORIZED, refusalV3("next")); // next asks the error endpoint
    }

    @Test
    void invalidRewrittenTopicIsAHandlerErrorAndDenies() {
        register("auth_on_publish_m5", "/bad-topic");
        Mqtt5BlockingClient c = Clients.v5Connected(broker, "bad-topic");
        Mqtt5PubAckException e = assertThrows(
                Mqtt5PubAckException.class,
                () -> c.publishWith()
                        .topic("t")
                        .qos(MqttQos.AT_LEAST_ONCE)
                        .payload(Clients.bytes("x"))
                        .send());
        assertEquals(Mqtt5PubAckReasonCode.NOT_AUTHORIZED, e.getMqttMessage().getReasonCode());
        assertEquals(1L, api.show().get(0).get("errors"));
        c.disconnect();
    }

    @Test
    void badRegistrationsAreRefusedSayingWhich() {
        var hook = assertThrows(IllegalArgumentException.class, () -> WebhookSpec.of("auth_on_nothing", fx.url("/ok")));
        assertEquals("unknown hook 'auth_on_nothing'", hook.getMessage());
        var url =
                assertThrows(IllegalArgumentException.class, () -> WebhookSpec.of("auth_on_register", "localhost:80"));
        assertTrue(url.getMessage().startsWith("malformed endpoint URL 'localhost:80'"), url.getMessage());
        var policy = assertThrows(
                IllegalArgumentException.class,
                () -> WebhookSpec.of("auth_on_register", fx.url("/ok")).withOnError("maybe"));
        assertEquals("on_error must be deny, next or allow, not 'maybe'", policy.getMessage());
        register("auth_on_register", "/ok");
        var dup = assertThrows(IllegalArgumentException.class, () -> register("auth_on_register", "/ok"));
        assertTrue(dup.getMessage().contains("already registered"), dup.getMessage());
        var missing = assertThrows(IllegalArgumentException.class, () -> api.deregister("on_publish", fx.url("/ok")));
        assertEquals("no webhook registered for on_publish at " + fx.url("/ok"), missing.getMessage());
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
