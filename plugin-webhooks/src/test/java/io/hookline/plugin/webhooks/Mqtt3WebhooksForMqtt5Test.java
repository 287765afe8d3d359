package io.hookline.plugin.webhooks;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.hookline.broker.testsupport.Acks;
import io.hookline.broker.testsupport.TestBroker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Webhooks registered for the 3.1.1 hooks only (a VerneMQ back end written before MQTT 5) decide
 * for MQTT 5 clients exactly as for 3.1.1 clients: the endpoint gets the 3.1.1 request, and its
 * refusal reaches the MQTT 5 client with the MQTT 5 code.
 */
class Mqtt3WebhooksForMqtt5Test {
    @TempDir
    Path data;

    private WebhookFixture fx;
    private TestBroker broker;

    @BeforeEach
    void start() {
        fx = new WebhookFixture();
        stub("/auth", "$.username", "alice", "{\"result\":\"ok\"}", "{\"result\":{\"error\":\"not_allowed\"}}");
        stub("/publish", "$.topic", "open", "{\"result\":\"ok\"}", "{\"result\":{\"error\":\"not_allowed\"}}");
        stub(
                "/subscribe",
                "$.topics[0].topic",
                "open",
                "{\"result\":\"ok\"}",
                "{\"result\":\"ok\",\"topics\":[{\"topic\":\"secret\",\"qos\":128}]}");
        broker = fx.broker(data, "allow_anonymous", "off");
        Webhooks api = WebhookFixture.api(broker);
        api.register(WebhookSpec.of("auth_on_register", fx.url("/auth")));
        api.register(WebhookSpec.of("auth_on_publish", fx.url("/publish")));
        api.register(WebhookSpec.of("auth_on_subscribe", fx.url("/subscribe")));
    }

    /** Answers {@code match} when the JSON path equals {@code value}, else {@code otherwise}. */
    private void stub(String path, String jsonPath, String value, String match, String otherwise) {
        fx.http.stubFor(post(urlPathEqualTo(path)).atPriority(2).willReturn(json(otherwise)));
        fx.http.stubFor(post(urlPathEqualTo(path))
                .atPriority(1)
                .withRequestBody(matchingJsonPath(jsonPath, equalTo(value)))
                .willReturn(json(match)));
    }

    private static com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder json(String body) {
        return aResponse()
                .withStatus(200)
                .withHeader("content-type", "application/json")
                .withBody(body);
    }

    @AfterEach
    void stop() {
        fx.close();
    }

    @Test
    void aRegistrationTheEndpointRefusesIsRefusedForBothVersions() {
        assertEquals(5, Acks.connectV3(broker, "m3", "mallory", "x"));
        assertEquals(
                0x87,
                Acks.connectV5(broker, "m5", "mallory", "x").getReasonCode().getCode());
        assertEquals(
                0, Acks.connectV5(broker, "a5", "alice", "x").getReasonCode().getCode());
        List<JsonNode> asked = fx.bodies("auth_on_register");
        assertEquals(3, asked.size(), "the 3.1.1 webhook was asked for the MQTT 5 clients too");
        assertEquals(List.of(), fx.bodies("auth_on_register_m5"));
        assertFalse(asked.get(1).has("properties"), "the 3.1.1 request carries no MQTT 5 properties");
    }

    @Test
    void aPublishAndASubscriptionTheEndpointRefusesAreRefusedForBothVersions() {
        Mqtt5BlockingClient v5 = com.hivemq.client.mqtt.MqttClient.builder()
                .useMqttVersion5()
                .identifier("a5")
                .serverHost("127.0.0.1")
                .serverPort(broker.port())
                .buildBlocking();
        v5.connectWith()
                .simpleAuth()
                .username("alice")
                .password(bytes("x"))
                .applySimpleAuth()
                .send();
        assertEquals(0x87, Acks.puback(v5, "secret", "x"));
        Acks.assertAccepted(Acks.puback(v5, "open", "x"));
        assertEquals(List.of(0x87), Acks.suback(v5, 1, "secret"));
        assertEquals(List.of(1), Acks.suback(v5, 1, "open"));
        v5.disconnect();
        Mqtt3BlockingClient v3 = com.hivemq.client.mqtt.MqttClient.builder()
                .useMqttVersion3()
                .identifier("a3")
                .serverHost("127.0.0.1")
                .serverPort(broker.port())
                .buildBlocking();
        v3.connectWith()
                .simpleAuth()
                .username("alice")
                .password(bytes("x"))
                .applySimpleAuth()
                .send();
        assertEquals(List.of(0x80), Acks.subackV3(v3, 1, "secret"));
        v3.disconnect();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
