package io.hookline.broker.session;

import static io.hookline.broker.testsupport.Clients.bytes;
import static io.hookline.broker.testsupport.Clients.text;
import static io.hookline.broker.testsupport.Clients.v5;
import static io.hookline.broker.testsupport.Clients.v5Connected;
import static io.hookline.broker.testsupport.PersistentSessions.firstRetained;
import static io.hookline.broker.testsupport.PersistentSessions.publishOnce;
import static io.hookline.broker.testsupport.PersistentSessions.resume;
import static io.hookline.broker.testsupport.PersistentSessions.subscribeAndLeave;
import static io.hookline.broker.testsupport.Receive.next;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient.Mqtt5Publishes;
import io.hookline.broker.store.MemoryStores;
import io.hookline.broker.testsupport.TestBroker;
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
        subscribeAndLeave(broker, "keeper", "r/#");

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
            assertTrue(resume(again));
            assertEquals("while offline", text(next(publishes).getPayloadAsBytes()));
            assertEquals("kept", text(next(publishes).getPayloadAsBytes()));
            // the subscription came back too: a new message is routed to it
            publishOnce(broker, "pub2", "r/2", "after");
            assertEquals("after", text(next(publishes).getPayloadAsBytes()));
        }
        assertEquals("kept", firstRetained(broker, "late", "r/ret"), "the retained message came back");
        again.disconnect();
    }
}
