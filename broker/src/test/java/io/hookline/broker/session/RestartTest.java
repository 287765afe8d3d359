package io.hookline.broker.session;

import static io.hookline.broker.testsupport.Clients.bytes;
import static io.hookline.broker.testsupport.Clients.text;
import static io.hookline.broker.testsupport.Clients.v5;
import static io.hookline.broker.testsupport.Clients.v5Connected;
import static io.hookline.broker.testsupport.Receive.next;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient.Mqtt5Publishes;
import io.hookline.broker.store.MemoryStores;
import io.hookline.broker.testsupport.TestBroker;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The recovery path end to end: a second broker on the stores of the first (memory stores,
 * shared in-process) brings back the persistent session, its subscriptions and its queue, and
 * the retained messages, before its listener opens.
 */
class RestartTest {

    private final MemoryStores stores = new MemoryStores();
    private TestBroker broker;

    @AfterEach
    void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void aPersistentSessionItsQueueAndRetainedMessagesSurviveARestartOnTheSameStores() throws Exception {
        broker = TestBroker.startOn(stores, null, null);
        Mqtt5BlockingClient keeper = v5(broker, "keeper").toBlocking();
        assertFalse(keeper.connectWith()
                .cleanStart(false)
                .sessionExpiryInterval(3600)
                .send()
                .isSessionPresent());
        keeper.subscribeWith().topicFilter("r/#").qos(MqttQos.AT_LEAST_ONCE).send();
        keeper.disconnect();
        await().atMost(Duration.ofSeconds(5))
                .until(() -> !broker.broker().sessions().get("keeper").isOnline());

        Mqtt5BlockingClient pub = v5Connected(broker, "pub");
        pub.publishWith()
                .topic("r/1")
                .qos(MqttQos.AT_LEAST_ONCE)
                .payload(bytes("while offline"))
                .send();
        pub.publishWith()
                .topic("r/ret")
                .qos(MqttQos.AT_LEAST_ONCE)
                .retain(true)
                .payload(bytes("kept"))
                .send();
        pub.disconnect();
        assertEquals(2, broker.broker().sessions().get("keeper").queueSize());
        broker.close();

        broker = TestBroker.startOn(stores, null, null);
        assertEquals(2, broker.broker().sessions().get("keeper").queueSize(), "restored before any client connects");
        Mqtt5BlockingClient again = v5(broker, "keeper").toBlocking();
        try (Mqtt5Publishes publishes = again.publishes(MqttGlobalPublishFilter.ALL)) {
            assertTrue(again.connectWith()
                    .cleanStart(false)
                    .sessionExpiryInterval(3600)
                    .send()
                    .isSessionPresent());
            assertEquals("while offline", text(next(publishes).getPayloadAsBytes()));
            assertEquals("kept", text(next(publishes).getPayloadAsBytes()));
            // the subscription came back too: a new message is routed to it
            Mqtt5BlockingClient pub2 = v5Connected(broker, "pub2");
            pub2.publishWith()
                    .topic("r/2")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload(bytes("after"))
                    .send();
            assertEquals("after", text(next(publishes).getPayloadAsBytes()));
            pub2.disconnect();
        }
        Mqtt5BlockingClient late = v5Connected(broker, "late");
        try (Mqtt5Publishes publishes = late.publishes(MqttGlobalPublishFilter.ALL)) {
            late.subscribeWith().topicFilter("r/ret").send();
            assertEquals("kept", text(next(publishes).getPayloadAsBytes()), "the retained message came back");
        }
        late.disconnect();
        again.disconnect();
    }
}
