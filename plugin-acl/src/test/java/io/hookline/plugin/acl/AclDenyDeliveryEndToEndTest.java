package io.hookline.plugin.acl;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient.Mqtt3Publishes;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient.Mqtt5Publishes;
import io.hookline.broker.metrics.BrokerMetrics.Counter;
import io.hookline.broker.testsupport.Acks;
import io.hookline.broker.testsupport.Receive;
import io.hookline.broker.testsupport.TestBroker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15 item 8, with a real broker and HiveMQ MQTT clients (3.1.1 and 5): a {@code topic deny}
 * line no longer refuses the wildcard subscriptions that overlap it ({@code #}, {@code a/+}); they
 * are granted as in Mosquitto and the denied topic is kept from the subscriber per delivery,
 * retained messages included, without costing it packet ids. A filter that could receive only
 * denied topics is still refused, and a reload changes what existing subscriptions get.
 */
class AclDenyDeliveryEndToEndTest {
    /** Everyone reads everything; writer writes everything; a/secret is denied to reader alone. */
    private static final String READER_DENIED = """
            topic read #
            user writer
            topic write #
            user reader
            topic deny a/secret
            """;

    @TempDir
    Path dir;

    private Path acl;
    private TestBroker broker;
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    private void start(String rules, String... more) throws Exception {
        acl = dir.resolve("acl.conf");
        Files.writeString(acl, rules);
        List<String> config = new ArrayList<>(List.of(
                "plugins.acl",
                "on",
                "acl.password_file",
                "",
                "acl.acl_file",
                acl.toString(),
                "acl.reload_interval",
                "100ms"));
        config.addAll(List.of(more));
        broker = TestBroker.start(config.toArray(String[]::new));
    }

    @Test
    void v5WildcardsOverlappingADenyRuleAreGrantedAndTheDeniedTopicIsNotDelivered() throws Exception {
        start(READER_DENIED);
        Mqtt5BlockingClient writer = v5("w5", "writer", 0);
        retain(writer, "a/secret");
        retain(writer, "a/public");
        Mqtt5BlockingClient reader = v5("r5", "reader", 0);
        Mqtt5Publishes got = publishes(reader);
        assertEquals(List.of(1, 0x87), Acks.suback(reader, 1, "#", "a/secret"), "# granted, a/secret refused");
        var first = Receive.next(got);
        assertEquals("a/public", first.getTopic().toString(), "the retained a/secret is not delivered");
        assertTrue(first.isRetain());
        Receive.nothing(got);
        assertEquals(List.of(1), Acks.suback(reader, 1, "a/+"));
        assertEquals("a/public", Receive.next(got).getTopic().toString(), "a/+ gets the retained a/public");
        Receive.nothing(got);

        send(writer, "a/secret", MqttQos.AT_LEAST_ONCE);
        send(writer, "a/public", MqttQos.AT_LEAST_ONCE);
        var live = Receive.next(got);
        assertEquals("a/public", live.getTopic().toString());
        assertFalse(live.isRetain());
        Receive.nothing(got);
        assertEquals(3, broker.broker().metrics().get(Counter.DELIVERIES_DENIED));
    }

    @Test
    void v3WildcardsOverlappingADenyRuleAreGrantedAndTheDeniedTopicIsNotDelivered() throws Exception {
        start(READER_DENIED);
        Mqtt5BlockingClient writer = v5("w5", "writer", 0);
        retain(writer, "a/secret");
        retain(writer, "a/public");
        Mqtt3BlockingClient reader = v3("r3", "reader");
        Mqtt3Publishes got = reader.publishes(MqttGlobalPublishFilter.ALL);
        open.add(got);
        assertEquals(List.of(1, 1, 0x80), Acks.subackV3(reader, 1, "a/+", "#", "a/secret"));
        for (int i = 0; i < 2; i++) { // retained messages are sent per matching filter
            assertEquals("a/public", Receive.next(got).getTopic().toString(), "retained a/public, never a/secret");
        }
        Receive.nothing(got);
        send(writer, "a/secret", MqttQos.EXACTLY_ONCE);
        send(writer, "a/public", MqttQos.EXACTLY_ONCE);
        assertEquals("a/public", Receive.next(got).getTopic().toString());
        Receive.nothing(got);
    }

    @Test
    void aDenyRuleForEveryoneStillRefusesWhatItCoversAndGrantsWhatItOverlaps() throws Exception {
        start("topic readwrite #\n");
        assertTrue(broker.broker().hooks().readChecks().isEmpty(), "no deny rule: nothing asked per delivery");
        Mqtt5BlockingClient writer = v5("w5", null, 0);
        retain(writer, "a/secret"); // before the rule: stays retained
        retain(writer, "a/public");

        Files.writeString(acl, "topic readwrite #\ntopic deny a/secret\n");
        Mqtt5BlockingClient probe = v5("probe", null, 0); // its subscriptions before the reload do not matter
        await().atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> Acks.suback(probe, 1, "a/secret").equals(List.of(0x87)));
        assertEquals(1, broker.broker().hooks().readChecks().size());
        Mqtt5BlockingClient reader = v5("r5", null, 0);
        assertEquals(List.of(0x87), Acks.suback(reader, 1, "a/secret"), "a filter only the deny rule covers");
        Mqtt5Publishes got = publishes(reader);
        assertEquals(List.of(1, 1), Acks.suback(reader, 1, "#", "a/+"));
        for (int i = 0; i < 2; i++) { // retained messages are sent per matching filter
            assertEquals("a/public", Receive.next(got).getTopic().toString(), "retained a/public, never a/secret");
        }
        Receive.nothing(got);
        assertEquals(0x87, Acks.puback(writer, "a/secret", "x"), "and nobody may publish there");

        Mqtt3BlockingClient reader3 = v3("r3", null);
        assertEquals(List.of(0x80, 1), Acks.subackV3(reader3, 1, "a/secret", "+/+"));
    }

    @Test
    void aReloadChangesWhatExistingSubscriptionsGet() throws Exception {
        start(READER_DENIED);
        Mqtt5BlockingClient writer = v5("w5", "writer", 0);
        Mqtt5BlockingClient reader = v5("r5", "reader", 0);
        Mqtt5Publishes got = publishes(reader);
        assertEquals(List.of(2), Acks.suback(reader, 2, "#"));
        send(writer, "a/secret", MqttQos.AT_LEAST_ONCE);
        send(writer, "a/public", MqttQos.AT_LEAST_ONCE);
        assertEquals("a/public", Receive.next(got).getTopic().toString());

        Files.writeString(acl, READER_DENIED.replace("topic deny a/secret", "topic deny a/public"));
        await().atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    send(writer, "a/secret", MqttQos.AT_LEAST_ONCE);
                    return got.receive(100, TimeUnit.MILLISECONDS)
                            .map(p -> p.getTopic().toString().equals("a/secret"))
                            .orElse(false);
                });
        drain(got);
        send(writer, "a/public", MqttQos.AT_LEAST_ONCE);
        send(writer, "a/marker", MqttQos.AT_LEAST_ONCE);
        assertEquals("a/marker", Receive.next(got).getTopic().toString(), "a/public is now the denied one");

        Files.writeString(acl, READER_DENIED.replace("topic deny a/secret\n", ""));
        await().atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> broker.broker().hooks().readChecks().isEmpty());
        drain(got);
        send(writer, "a/public", MqttQos.AT_LEAST_ONCE);
        assertEquals("a/public", Receive.next(got).getTopic().toString(), "no deny rule left: everything flows");
    }

    @Test
    void droppedQos1And2DeliveriesTakeNoPacketIdsWithReceiveMaximumOne() throws Exception {
        start(READER_DENIED, "max_inflight_messages", "1");
        Mqtt5BlockingClient writer = v5("w5", "writer", 0);
        Mqtt5BlockingClient reader5 = v5("r5", "reader", 1);
        Mqtt5Publishes got5 = publishes(reader5);
        assertEquals(List.of(2), Acks.suback(reader5, 2, "#"));
        Mqtt3BlockingClient reader3 = v3("r3", "reader");
        Mqtt3Publishes got3 = reader3.publishes(MqttGlobalPublishFilter.ALL);
        open.add(got3);
        assertEquals(List.of(2), Acks.subackV3(reader3, 2, "a/+"));

        for (int round = 0; round < 5; round++) {
            for (int i = 0; i < 20; i++) {
                send(writer, "a/secret", i % 2 == 0 ? MqttQos.EXACTLY_ONCE : MqttQos.AT_LEAST_ONCE);
            }
            send(writer, "a/public", round % 2 == 0 ? MqttQos.EXACTLY_ONCE : MqttQos.AT_LEAST_ONCE);
        }
        for (int round = 0; round < 5; round++) {
            assertEquals("a/public", Receive.next(got5).getTopic().toString(), "v5, message " + round);
            assertEquals("a/public", Receive.next(got3).getTopic().toString(), "3.1.1, message " + round);
        }
        Receive.nothing(got5);
        Receive.nothing(got3);
        assertEquals(200, broker.broker().metrics().get(Counter.DELIVERIES_DENIED));
        await().until(() -> broker.broker().sessions().get("", "r5").inflightSize() == 0
                && broker.broker().sessions().get("", "r3").inflightSize() == 0);
    }

    // ---- helpers ---------------------------------------------------------------------------

    private Mqtt5BlockingClient v5(String id, String user, int receiveMaximum) {
        Mqtt5BlockingClient c = MqttClient.builder()
                .useMqttVersion5()
                .identifier(id)
                .serverHost("127.0.0.1")
                .serverPort(broker.port())
                .buildBlocking();
        var connect = c.connectWith();
        if (receiveMaximum > 0) {
            connect = connect.restrictions().receiveMaximum(receiveMaximum).applyRestrictions();
        }
        if (user != null) {
            connect = connect.simpleAuth().username(user).applySimpleAuth();
        }
        assertEquals(0, connect.send().getReasonCode().getCode());
        open.add(() -> {
            if (c.getState().isConnected()) {
                c.disconnect();
            }
        });
        return c;
    }

    private Mqtt3BlockingClient v3(String id, String user) {
        Mqtt3BlockingClient c = MqttClient.builder()
                .useMqttVersion3()
                .identifier(id)
                .serverHost("127.0.0.1")
                .serverPort(broker.port())
                .buildBlocking();
        var connect = c.connectWith();
        if (user != null) {
            connect = connect.simpleAuth().username(user).applySimpleAuth();
        }
        assertEquals(0, connect.send().getReturnCode().getCode());
        open.add(() -> {
            if (c.getState().isConnected()) {
                c.disconnect();
            }
        });
        return c;
    }

    private Mqtt5Publishes publishes(Mqtt5BlockingClient c) {
        Mqtt5Publishes p = c.publishes(MqttGlobalPublishFilter.ALL);
        open.add(p);
        return p;
    }

    private static void send(Mqtt5BlockingClient writer, String topic, MqttQos qos) {
        writer.publishWith()
                .topic(topic)
                .qos(qos)
                .payload(topic.getBytes(StandardCharsets.UTF_8))
                .send();
    }

    private static void retain(Mqtt5BlockingClient writer, String topic) {
        writer.publishWith()
                .topic(topic)
                .qos(MqttQos.AT_LEAST_ONCE)
                .retain(true)
                .payload(topic.getBytes(StandardCharsets.UTF_8))
                .send();
    }

    private static void drain(Mqtt5Publishes got) throws InterruptedException {
        while (got.receive(Receive.QUIET_MILLIS, TimeUnit.MILLISECONDS).isPresent()) {
            // what the polling above sent before the reload took effect, or while it did
        }
    }
}
