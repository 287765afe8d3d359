package io.hookline.broker.protocol;

import static io.hookline.broker.testsupport.Clients.bytes;
import static io.hookline.broker.testsupport.Clients.text;
import static io.hookline.broker.testsupport.Clients.v5Connected;
import static io.hookline.broker.testsupport.RawClient.PUBACK;
import static io.hookline.broker.testsupport.RawClient.PUBCOMP;
import static io.hookline.broker.testsupport.RawClient.PUBLISH;
import static io.hookline.broker.testsupport.RawClient.PUBREC;
import static io.hookline.broker.testsupport.RawClient.PUBREL;
import static io.hookline.broker.testsupport.RawClient.SUBACK;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient.Mqtt5Publishes;
import io.hookline.api.Cancellable;
import io.hookline.api.auth.ReadCheck;
import io.hookline.broker.metrics.BrokerMetrics.Counter;
import io.hookline.broker.testsupport.RawClient;
import io.hookline.broker.testsupport.Receive;
import io.hookline.broker.testsupport.TestBroker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Plugins' read checks ({@link ReadCheck}) at delivery, with real clients: a refused delivery is
 * dropped before it takes a packet id, an in-flight slot or a queue entry, for routed, retained,
 * shared and direct messages; a failing check fails closed. The check here refuses {@code a/secret}
 * to client {@code reader} and nothing else.
 */
class ReadCheckDeliveryTest {
    private static final ReadCheck SECRET_FROM_READER =
            (client, topic) -> !(client.clientId().equals("reader") && topic.equals("a/secret"));

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

    private Cancellable start(ReadCheck check, String... config) {
        broker = TestBroker.start(config);
        assertTrue(broker.broker().hooks().readChecks().isEmpty(), "nothing installed: routing skips the step");
        return broker.broker().hooks().readChecks().add("test", check);
    }

    private Mqtt5BlockingClient publisher() {
        Mqtt5BlockingClient p = v5Connected(broker, "writer");
        open.add(p::disconnect);
        return p;
    }

    private static void publish(Mqtt5BlockingClient p, String topic, int qos, boolean retain) {
        p.publishWith()
                .topic(topic)
                .qos(MqttQos.fromCode(qos))
                .retain(retain)
                .payload(bytes(topic))
                .send();
    }

    private long denied() {
        return broker.broker().metrics().get(Counter.DELIVERIES_DENIED);
    }

    @ParameterizedTest(name = "protocol level {0}")
    @ValueSource(ints = {4, 5})
    void refusedDeliveriesTakeNoPacketIdAndNoInflightSlot(int version) {
        start(SECRET_FROM_READER);
        RawClient reader = RawClient.connected(broker, version, "reader");
        open.add(reader);
        reader.send(RawClient.subscribe(version, 1, "#", 2));
        assertEquals(List.of(2), reader.expect(SUBACK).codes());
        Mqtt5BlockingClient writer = publisher();

        for (int i = 0; i < 5; i++) {
            publish(writer, "a/secret", 1, false);
            publish(writer, "a/secret", 2, false);
        }
        publish(writer, "a/public", 1, false);
        RawClient.Packet first = reader.expect(PUBLISH);
        assertEquals("a/public", first.topic(), "the ten a/secret messages before it were dropped");
        assertEquals(1, first.packetId(), "and took no packet id");
        assertEquals(1, first.qos());
        reader.send(RawClient.ack(PUBACK, 1));

        for (int i = 0; i < 5; i++) {
            publish(writer, "a/secret", 2, false);
        }
        publish(writer, "a/public", 2, false);
        RawClient.Packet second = reader.expect(PUBLISH);
        assertEquals("a/public", second.topic());
        assertEquals(2, second.packetId());
        assertEquals(2, second.qos());
        reader.send(RawClient.ack(PUBREC, 2));
        assertEquals(2, reader.expect(PUBREL).packetId());
        reader.send(RawClient.ack(PUBCOMP, 2));
        reader.assertNoPacket(Duration.ofMillis(Receive.QUIET_MILLIS));
        assertEquals(15, denied());
        await().until(() -> broker.broker().sessions().get("", "reader").inflightSize() == 0);
    }

    @Test
    void retainedMessagesAreCheckedOnSubscribe() throws Exception {
        start(SECRET_FROM_READER);
        Mqtt5BlockingClient writer = publisher();
        publish(writer, "a/secret", 1, true);
        publish(writer, "a/public", 1, true);
        Mqtt5BlockingClient reader = v5Connected(broker, "reader");
        open.add(reader::disconnect);
        Mqtt5Publishes got = reader.publishes(MqttGlobalPublishFilter.ALL);
        open.add(got);
        reader.subscribeWith().topicFilter("a/+").qos(MqttQos.AT_LEAST_ONCE).send();
        var p = Receive.next(got);
        assertEquals("a/public", p.getTopic().toString());
        assertTrue(p.isRetain());
        Receive.nothing(got);
        assertEquals(1, denied());

        Mqtt5BlockingClient other = v5Connected(broker, "other");
        open.add(other::disconnect);
        Mqtt5Publishes otherGot = other.publishes(MqttGlobalPublishFilter.ALL);
        open.add(otherGot);
        other.subscribeWith().topicFilter("a/secret").qos(MqttQos.AT_LEAST_ONCE).send();
        assertEquals("a/secret", Receive.next(otherGot).getTopic().toString(), "the check is per subscriber");
    }

    @Test
    void aSharedGroupHandsRefusedTopicsToMembersThatMayReadThem() {
        start(SECRET_FROM_READER);
        List<String> toReader = new CopyOnWriteArrayList<>();
        List<String> toOther = new CopyOnWriteArrayList<>();
        for (String id : List.of("reader", "other")) {
            Mqtt5BlockingClient m = v5Connected(broker, id);
            open.add(m::disconnect);
            List<String> sink = id.equals("reader") ? toReader : toOther;
            m.toAsync()
                    .subscribeWith()
                    .topicFilter("$share/g/a/+")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .callback(p -> sink.add(text(p.getPayloadAsBytes())))
                    .send()
                    .join();
        }
        Mqtt5BlockingClient writer = publisher();
        for (int i = 0; i < 10; i++) {
            publish(writer, "a/secret", 1, false);
            publish(writer, "a/public", 1, false);
        }
        await().until(() -> toReader.size() + toOther.size() == 20);
        assertTrue(toReader.stream().allMatch("a/public"::equals), "reader got only a/public: " + toReader);
        assertEquals(10, toOther.stream().filter("a/secret"::equals).count(), "every a/secret went to other");
    }

    @Test
    void directMessagesAreChecked() throws Exception {
        start(SECRET_FROM_READER, "direct_messages.allow_anonymous", "on");
        Mqtt5BlockingClient reader = v5Connected(broker, "reader");
        open.add(reader::disconnect);
        Mqtt5Publishes got = reader.publishes(MqttGlobalPublishFilter.ALL);
        open.add(got);
        Mqtt5BlockingClient writer = publisher();
        publish(writer, "$direct/reader/a/secret", 1, false);
        publish(writer, "$direct/reader/a/public", 1, false);
        assertEquals("a/public", Receive.next(got).getTopic().toString());
        Receive.nothing(got);
        assertEquals(1, denied());
    }

    @Test
    void aCheckThatThrowsDropsTheDeliveryAndRemovingItLetsEverythingThrough() throws Exception {
        Cancellable check = start((client, topic) -> {
            if (topic.equals("a/secret")) {
                throw new IllegalStateException("rules unavailable");
            }
            return true;
        });
        Mqtt5BlockingClient reader = v5Connected(broker, "reader");
        open.add(reader::disconnect);
        Mqtt5Publishes got = reader.publishes(MqttGlobalPublishFilter.ALL);
        open.add(got);
        reader.subscribeWith().topicFilter("#").qos(MqttQos.AT_LEAST_ONCE).send();
        Mqtt5BlockingClient writer = publisher();
        publish(writer, "a/secret", 1, false);
        publish(writer, "a/public", 1, false);
        assertEquals("a/public", Receive.next(got).getTopic().toString(), "fails closed");
        assertEquals(1, broker.broker().hooks().readChecks().failures());
        assertEquals(1, denied());

        check.cancel();
        check.cancel(); // idempotent
        assertTrue(broker.broker().hooks().readChecks().isEmpty());
        publish(writer, "a/secret", 1, false);
        assertEquals("a/secret", Receive.next(got).getTopic().toString());
    }
}
