package io.hookline.plugin.webhooks;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.Mqtt5RetainHandling;
import io.hookline.broker.testsupport.Clients;
import io.hookline.broker.testsupport.TestBroker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a webhook back end receives, field by field, for MQTT 3.1.1 and MQTT 5 clients of a real broker. */
class WebhookRequestTest {
    private static final List<String> HOOKS = List.of(
            "auth_on_register",
            "auth_on_register_m5",
            "auth_on_publish",
            "auth_on_publish_m5",
            "auth_on_subscribe",
            "auth_on_subscribe_m5",
            "on_deliver",
            "on_deliver_m5",
            "on_publish",
            "on_register_m5",
            "on_client_gone",
            "on_unsubscribe");

    @TempDir
    static Path data;

    static WebhookFixture fx;
    static TestBroker broker;

    @BeforeAll
    static void start() {
        fx = new WebhookFixture();
        fx.answer("/hook", "{\"result\":\"ok\"}");
        List<String> kv = new ArrayList<>();
        for (String h : HOOKS) {
            kv.addAll(List.of("webhooks." + h + ".hook", h, "webhooks." + h + ".endpoint", fx.url("/hook")));
        }
        // a second publish webhook, first in the chain, that asks for payloads as text and passes on
        fx.answer("/text", "{\"result\":\"next\"}");
        kv.addAll(List.of(
                "webhooks.text.hook",
                "auth_on_publish",
                "webhooks.text.endpoint",
                fx.url("/text"),
                "webhooks.text.base64payload",
                "off",
                "webhooks.text.priority",
                "-1000"));
        broker = fx.broker(data, kv.toArray(String[]::new));
    }

    @AfterAll
    static void stop() {
        fx.close();
    }

    @BeforeEach
    void reset() {
        fx.http.resetRequests();
    }

    @Test
    void authOnRegisterV3CarriesVerneMqFields() {
        Mqtt3BlockingClient c = Clients.v3(broker, "reg-v3").toBlocking();
        c.connectWith()
                .simpleAuth()
                .username("alice")
                .password("s3cret".getBytes(StandardCharsets.UTF_8))
                .applySimpleAuth()
                .cleanSession(true)
                .send();
        c.disconnect();
        LoggedRequest r = fx.requests("auth_on_register").get(0);
        assertEquals("auth_on_register", r.getHeader("hookline-hook"));
        assertTrue(r.getHeader("Content-Type").startsWith("application/json"), r.getHeader("Content-Type"));
        JsonNode b = fx.bodies("auth_on_register").get(0);
        assertEquals("127.0.0.1", b.get("peer_addr").asText());
        assertTrue(b.get("peer_port").asInt() > 0);
        assertEquals("reg-v3", b.get("client_id").asText());
        assertEquals("", b.get("mountpoint").asText());
        assertEquals("alice", b.get("username").asText());
        assertEquals("s3cret", b.get("password").asText());
        assertTrue(b.get("clean_session").asBoolean());
        assertFalse(b.has("properties"), "no properties for MQTT 3");
        assertTrue(fx.bodies("auth_on_register_m5").isEmpty(), "the _m5 hook is for MQTT 5 clients only");
    }

    @Test
    void anonymousClientHasNullUsernameAndPassword() {
        Mqtt3BlockingClient c = Clients.v3(broker, "anon-v3").toBlocking();
        c.connectWith().cleanSession(false).send();
        c.disconnect();
        JsonNode b = fx.bodies("auth_on_register").get(0);
        assertTrue(b.get("username").isNull());
        assertTrue(b.get("password").isNull());
        assertFalse(b.get("clean_session").asBoolean());
    }

    @Test
    void authOnRegisterM5CarriesCleanStartAndProperties() {
        Mqtt5BlockingClient c = Clients.v5(broker, "reg-v5").toBlocking();
        c.connectWith()
                .cleanStart(true)
                .simpleAuth()
                .username("bob")
                .password("pw".getBytes(StandardCharsets.UTF_8))
                .applySimpleAuth()
                .userProperties()
                .add("tenant", "acme")
                .applyUserProperties()
                .send();
        c.disconnect();
        JsonNode b = fx.bodies("auth_on_register_m5").get(0);
        assertEquals("reg-v5", b.get("client_id").asText());
        assertEquals("bob", b.get("username").asText());
        assertEquals("pw", b.get("password").asText());
        assertTrue(b.get("clean_start").asBoolean());
        assertFalse(b.has("clean_session"));
        assertEquals("127.0.0.1", b.get("peer_addr").asText());
        // CONNECT's user properties reach auth_on_register_m5 as p_user_property
        JsonNode users = b.get("properties").get("p_user_property");
        assertEquals(1, users.size(), b.toString());
        assertEquals("tenant", users.get(0).get("key").asText());
        assertEquals("acme", users.get(0).get("val").asText());
        assertTrue(fx.bodies("auth_on_register").isEmpty());
    }

    @Test
    void authOnPublishV3SendsBase64PayloadAndTextWhenAsked() {
        Mqtt3BlockingClient c = Clients.v3Connected(broker, "pub-v3");
        c.publishWith()
                .topic("a/b")
                .qos(MqttQos.AT_LEAST_ONCE)
                .retain(true)
                .payload(Clients.bytes("hello"))
                .send();
        c.disconnect();
        List<LoggedRequest> reqs = fx.requests("auth_on_publish");
        assertEquals(2, reqs.size());
        JsonNode b64 = null;
        JsonNode text = null;
        for (LoggedRequest r : reqs) {
            JsonNode n = read(r);
            if (r.getUrl().equals("/text")) {
                text = n;
            } else {
                b64 = n;
            }
        }
        assertEquals("pub-v3", b64.get("client_id").asText());
        assertEquals("", b64.get("mountpoint").asText());
        assertTrue(b64.get("username").isNull());
        assertEquals("a/b", b64.get("topic").asText());
        assertEquals(1, b64.get("qos").asInt());
        assertTrue(b64.get("retain").asBoolean());
        assertEquals("aGVsbG8=", b64.get("payload").asText());
        assertFalse(b64.has("properties"));
        assertEquals("hello", text.get("payload").asText());
    }

    @Test
    void authOnPublishM5CarriesPropertiesWithPKeys() {
        Mqtt5BlockingClient c = Clients.v5Connected(broker, "pub-v5");
        c.publishWith()
                .topic("m/5")
                .qos(MqttQos.AT_MOST_ONCE)
                .payload(Clients.bytes("x"))
                .contentType("text/plain")
                .userProperties()
                .add("a", "1")
                .add("a", "2")
                .applyUserProperties()
                .send();
        c.disconnect();
        await().atMost(Duration.ofSeconds(5))
                .until(() -> !fx.bodies("auth_on_publish_m5").isEmpty());
        JsonNode b = fx.bodies("auth_on_publish_m5").get(0);
        assertEquals("m/5", b.get("topic").asText());
        assertEquals(0, b.get("qos").asInt());
        assertFalse(b.get("retain").asBoolean());
        assertEquals("eA==", b.get("payload").asText());
        JsonNode p = b.get("properties");
        assertEquals("text/plain", p.get("p_content_type").asText());
        assertEquals(2, p.get("p_user_property").size());
        assertEquals("2", p.get("p_user_property").get(1).get("val").asText());
        // /hook serves auth_on_publish_m5 itself; /text serves only auth_on_publish, so it is
        // asked that for the MQTT 5 client, without the MQTT 5 properties
        var asked311 = fx.requests("auth_on_publish").stream()
                .filter(r -> r.getBodyAsString().contains("\"pub-v5\""))
                .toList();
        assertEquals(List.of("/text"), asked311.stream().map(r -> r.getUrl()).toList());
        assertFalse(asked311.get(0).getBodyAsString().contains("properties"));
    }

    @Test
    void authOnSubscribeListsTopicsV3AndWithOptionsV5() {
        Mqtt3BlockingClient c3 = Clients.v3Connected(broker, "sub-v3");
        c3.subscribeWith().topicFilter("x/+").qos(MqttQos.AT_LEAST_ONCE).send();
        c3.disconnect();
        JsonNode b3 = fx.bodies("auth_on_subscribe").get(0);
        assertEquals("sub-v3", b3.get("client_id").asText());
        assertEquals(1, b3.get("topics").size());
        assertEquals("x/+", b3.get("topics").get(0).get("topic").asText());
        assertEquals(1, b3.get("topics").get(0).get("qos").asInt());

        Mqtt5BlockingClient c5 = Clients.v5Connected(broker, "sub-v5");
        c5.subscribeWith()
                .addSubscription()
                .topicFilter("y/#")
                .qos(MqttQos.EXACTLY_ONCE)
                .noLocal(true)
                .retainAsPublished(true)
                .retainHandling(Mqtt5RetainHandling.DO_NOT_SEND)
                .applySubscription()
                .addSubscription()
                .topicFilter("z")
                .qos(MqttQos.AT_MOST_ONCE)
                .applySubscription()
                .send();
        c5.disconnect();
        JsonNode t = fx.bodies("auth_on_subscribe_m5").get(0).get("topics");
        assertEquals(2, t.size());
        assertEquals("y/#", t.get(0).get("topic").asText());
        assertEquals(2, t.get(0).get("qos").asInt());
        assertTrue(t.get(0).get("no_local").asBoolean());
        assertTrue(t.get(0).get("rap").asBoolean());
        assertEquals(2, t.get(0).get("retain_handling").asInt());
        assertEquals("z", t.get(1).get("topic").asText());
        assertFalse(t.get(1).get("no_local").asBoolean());
    }

    @Test
    void onDeliverNamesTheReceiverV3AndV5() throws Exception {
        Mqtt3BlockingClient sub3 = Clients.v3Connected(broker, "recv-v3");
        Mqtt5BlockingClient sub5 = Clients.v5Connected(broker, "recv-v5");
        try (var in3 = sub3.publishes(MqttGlobalPublishFilter.ALL);
                var in5 = sub5.publishes(MqttGlobalPublishFilter.ALL)) {
            // the flow before the SUBSCRIBE: the client registers it on its own loop, and a message that
            // comes first is dropped ("No publish flow registered")
            sub3.subscribeWith().topicFilter("d/3").qos(MqttQos.AT_LEAST_ONCE).send();
            sub5.subscribeWith().topicFilter("d/5").qos(MqttQos.AT_LEAST_ONCE).send();
            Mqtt5BlockingClient pub = Clients.v5Connected(broker, "sender");
            pub.publishWith()
                    .topic("d/3")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload(Clients.bytes("three"))
                    .send();
            pub.publishWith()
                    .topic("d/5")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload(Clients.bytes("five"))
                    .send();
            assertTrue(in3.receive(5, TimeUnit.SECONDS).isPresent());
            assertTrue(in5.receive(5, TimeUnit.SECONDS).isPresent());
            pub.disconnect();
        }
        JsonNode d3 = fx.bodies("on_deliver").get(0);
        assertEquals("recv-v3", d3.get("client_id").asText());
        assertEquals("d/3", d3.get("topic").asText());
        assertEquals("dGhyZWU=", d3.get("payload").asText());
        assertEquals(1, d3.get("qos").asInt());
        assertFalse(d3.get("retain").asBoolean());
        JsonNode d5 = fx.bodies("on_deliver_m5").get(0);
        assertEquals("recv-v5", d5.get("client_id").asText());
        assertEquals("Zml2ZQ==", d5.get("payload").asText());
        assertTrue(d5.has("properties"));
        sub3.disconnect();
        sub5.disconnect();
    }

    @Test
    void notifyHooksArriveAsynchronously() {
        Mqtt5BlockingClient c = Clients.v5(broker, "note-v5").toBlocking();
        c.connectWith().userProperties().add("k", "v").applyUserProperties().send();
        Mqtt3BlockingClient p = Clients.v3Connected(broker, "note-v3");
        p.publishWith().topic("n/1").payload(Clients.bytes("N")).send();
        p.subscribeWith().topicFilter("u/1").send();
        p.unsubscribeWith().topicFilter("u/1").send();
        p.disconnect();
        c.disconnect();
        // notifications of earlier tests may still arrive: pick this test's clients
        await().atMost(Duration.ofSeconds(5))
                .until(() -> of("on_publish", "note-v3") != null
                        && of("on_register_m5", "note-v5") != null
                        && of("on_client_gone", "note-v3") != null
                        && of("on_unsubscribe", "note-v3") != null);
        JsonNode reg = of("on_register_m5", "note-v5");
        assertEquals("127.0.0.1", reg.get("peer_addr").asText());
        assertTrue(reg.get("peer_port").asInt() > 0);
        assertTrue(reg.get("properties").isObject());
        JsonNode pub = of("on_publish", "note-v3");
        assertEquals("n/1", pub.get("topic").asText());
        assertEquals("Tg==", pub.get("payload").asText());
        assertEquals(0, pub.get("qos").asInt());
        JsonNode unsub = of("on_unsubscribe", "note-v3");
        assertEquals("u/1", unsub.get("topics").get(0).asText());
        JsonNode gone = of("on_client_gone", "note-v3");
        assertTrue(gone.has("client_id") && gone.has("mountpoint"));
    }

    private static JsonNode of(String hook, String clientId) {
        return fx.bodies(hook).stream()
                .filter(b -> clientId.equals(b.path("client_id").asText()))
                .findFirst()
                .orElse(null);
    }

    private static JsonNode read(LoggedRequest r) {
        try {
            return WebhookFixture.JSON.readTree(r.getBodyAsString());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
