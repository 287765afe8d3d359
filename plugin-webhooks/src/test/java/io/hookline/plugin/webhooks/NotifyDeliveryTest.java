package io.hookline.plugin.webhooks;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import io.hookline.broker.testsupport.Clients;
import io.hookline.broker.testsupport.TestBroker;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** NOTIFY webhooks: in order per client, never slowing the publisher, a dead endpoint's backlog bounded. */
class NotifyDeliveryTest {
    @TempDir
    Path data;

    @Test
    void notificationsOfOneClientArriveInOrder() {
        try (WebhookFixture fx = new WebhookFixture()) {
            fx.http.stubFor(post(urlPathEqualTo("/notify"))
                    .willReturn(aResponse().withStatus(200).withUniformRandomDelay(1, 30)));
            TestBroker broker = fx.broker(
                    data,
                    "webhooks.pub.hook",
                    "on_publish",
                    "webhooks.pub.endpoint",
                    fx.url("/notify"),
                    "webhooks.pub.base64payload",
                    "off");
            Mqtt3BlockingClient c = Clients.v3Connected(broker, "orderly");
            List<String> sent = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                sent.add("m" + i);
                c.publishWith()
                        .topic("o")
                        .qos(MqttQos.AT_MOST_ONCE)
                        .payload(Clients.bytes("m" + i))
                        .send();
            }
            c.disconnect();
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> fx.bodies("on_publish").size() == 20);
            assertEquals(
                    sent,
                    fx.bodies("on_publish").stream()
                            .map(b -> b.get("payload").asText())
                            .toList());
        }
    }

    /** The bound counts events, batched or not: a batch in flight holds all its events. */
    @ParameterizedTest(name = "batch_max {0}")
    @ValueSource(strings = {"", "10"})
    void aDeadEndpointNeitherSlowsThePublisherNorGrowsWithoutBound(String batchMax) throws Exception {
        // accepts connections (the kernel backlog) but never answers
        try (ServerSocket dead = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
                WebhookFixture fx = new WebhookFixture()) {
            List<String> conf = new ArrayList<>(List.of(
                    "webhooks.pub.hook",
                    "on_publish",
                    "webhooks.pub.endpoint",
                    "http://127.0.0.1:" + dead.getLocalPort() + "/notify",
                    "webhooks.pub.response_timeout",
                    "600000",
                    "webhooks.notify_backlog",
                    "5"));
            if (!batchMax.isEmpty()) {
                conf.addAll(List.of("webhooks.pub.batch_max", batchMax));
            }
            TestBroker broker = fx.broker(data, conf.toArray(String[]::new));
            Mqtt3BlockingClient c = Clients.v3Connected(broker, "publisher");
            for (int i = 0; i < 30; i++) {
                c.publishWith()
                        .topic("d")
                        .qos(MqttQos.AT_LEAST_ONCE)
                        .payload(Clients.bytes("x"))
                        .send();
            }
            // all 30 acknowledged while the first call still waits for its (10 minute) timeout:
            // the publisher never waited for a slot the dead endpoint holds
            var row = WebhookFixture.api(broker).show().get(0);
            assertEquals(0L, row.get("timeouts"), "no call has timed out yet");
            assertEquals(5, row.get("backlog"), "one in flight plus four waiting");
            assertEquals(25L, row.get("dropped"));
            c.disconnect();
        }
    }
}
