package io.hookline.broker.protocol;

import static io.hookline.broker.testsupport.Clients.bytes;
import static io.hookline.broker.testsupport.Clients.v5Connected;
import static io.hookline.broker.testsupport.RawClient.publish;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;
import io.hookline.broker.metrics.BrokerMetrics.Counter;
import io.hookline.broker.testsupport.Bystander;
import io.hookline.broker.testsupport.RawClient;
import io.hookline.broker.testsupport.Survival;
import io.hookline.broker.testsupport.TestBroker;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Issue 16 item 7: $SYS belongs to the broker; no client publishes there, whatever the ACL says. */
class ReservedTopicTest {

    @Test
    void retainedPublishToSysIsRefusedWith0x87AndNeverReachesSubscribers(@TempDir Path data) throws Exception {
        try (TestBroker broker = TestBroker.start("listener.http.default", "127.0.0.1:0", "data_dir", data.toString());
                Bystander bystander = new Bystander(broker)) {
            Mqtt5BlockingClient watcher = v5Connected(broker, "watcher");
            var inbox = watcher.publishes(MqttGlobalPublishFilter.ALL);
            watcher.subscribeWith()
                    .topicFilter("$SYS/#")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .send();

            Mqtt5BlockingClient attacker = v5Connected(broker, "attacker");
            Mqtt5PubAckException refused = assertThrows(
                    Mqtt5PubAckException.class,
                    () -> attacker.publishWith()
                            .topic("$SYS/broker/version")
                            .retain(true)
                            .qos(MqttQos.AT_LEAST_ONCE)
                            .payload(bytes("pwned"))
                            .send());
            assertEquals(0x87, refused.getMqttMessage().getReasonCode().getCode());
            attacker.publishWith()
                    .topic("$SYS")
                    .qos(MqttQos.AT_MOST_ONCE)
                    .payload(bytes("pwned"))
                    .send();
            assertTrue(attacker.getState().isConnected(), "a v5 client is told, not disconnected");

            assertTrue(inbox.receive(300, TimeUnit.MILLISECONDS).isEmpty(), "a subscriber saw a client's $SYS message");
            assertEquals(0, broker.broker().retained().size(), "the refused message was retained");
            assertEquals(2, broker.broker().metrics().get(Counter.PUBLISHES_RESERVED_TOPIC));
            assertEquals(2.0, Survival.metric(broker.httpPort(), "hookline_publishes_reserved_topic_total"));
            // a topic that merely starts with the same letters is the client's
            Mqtt5PublishResult own = attacker.publishWith()
                    .topic("$SYSTEM/x")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload(bytes("ok"))
                    .send();
            assertTrue(own.getError().isEmpty());
            bystander.assertStillServed();
            Survival.assertHealthy(broker.httpPort());
            attacker.disconnect();
            watcher.disconnect();
        }
    }

    @ParameterizedTest(name = "MQTT level {0}")
    @ValueSource(ints = {3, 4})
    void v3PublisherToSysIsDisconnected(int version) {
        try (TestBroker broker = TestBroker.start()) {
            try (RawClient c = RawClient.connected(broker, version, "attacker")) {
                c.send(publish(version, "$SYS/broker/uptime", 1, 1, bytes("0")));
                c.assertClosed();
            }
            assertEquals(1, broker.broker().metrics().get(Counter.PUBLISHES_RESERVED_TOPIC));
        }
    }

    @ParameterizedTest(name = "MQTT level {0}")
    @ValueSource(ints = {4, 5})
    void willAddressedToSysIsRefusedAtConnect(int version) {
        try (TestBroker broker = TestBroker.start()) {
            try (RawClient c = RawClient.open(broker, version)) {
                c.send(new RawClient.Connect(version, "will-attacker")
                        .will("$SYS/broker/version", bytes("x"), 0, true)
                        .toBytes());
                c.expectConnack(version == 5 ? 0x87 : 0x05);
                c.assertClosed();
            }
            assertEquals(1, broker.broker().metrics().get(Counter.PUBLISHES_RESERVED_TOPIC));
        }
    }

    @Test
    void mountpointedClientsOwnTheirSysBranch() {
        try (TestBroker broker = TestBroker.start("listener.tcp.default.mountpoint", "tenant/")) {
            try (RawClient c = RawClient.connected(broker, 5, "tenant-client")) {
                c.send(publish(5, "$SYS/mine", 1, 1, bytes("0")));
                assertEquals(0x10, c.expect(RawClient.PUBACK).reasonCode()); // no subscribers, not refused
            }
            assertEquals(0, broker.broker().metrics().get(Counter.PUBLISHES_RESERVED_TOPIC));
        }
    }
}
