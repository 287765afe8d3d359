package io.hookline.broker.store.rocks;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient.Mqtt5Publishes;
import io.hookline.broker.testsupport.TestBroker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;

import static io.hookline.broker.testsupport.Clients.bytes;
import static io.hookline.broker.testsupport.Clients.text;
import static io.hookline.broker.testsupport.Clients.v5;
import static io.hookline.broker.testsupport.Clients.v5Connected;
import static io.hookline.broker.testsupport.Receive.next;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * persistence = on, end to end in one JVM: a broker closed and a new one started on the same
 * data_dir bring back the persistent session, its subscriptions, its queue in order and the
 * retained messages; a second broker on a data_dir in use refuses to start.
 */
class DurableRestartTest {

    @TempDir
    Path dataDir;
    private TestBroker broker;

    @AfterEach
    void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    private TestBroker startDurable() {
        return TestBroker.start("persistence", "on", "data_dir", dataDir.toString());
    }

    @Test
    void aPersistentSessionItsQueueAndRetainedMessagesSurviveARestart() throws Exception {
        broker = startDurable();
        Mqtt5BlockingClient keeper = v5(broker, "keeper").toBlocking();
        assertFalse(keeper.connectWith().cleanStart(false).sessionExpiryInterval(3600).send().isSessionPresent());
        keeper.subscribeWith().topicFilter("r/#").qos(MqttQos.AT_LEAST_ONCE).send();
        keeper.disconnect();
        await().atMost(Duration.ofSeconds(5)).until(() -> !broker.broker().sessions().get("keeper").isOnline());

        Mqtt5BlockingClient pub = v5Connected(broker, "pub");
        for (int i = 0; i < 300; i++) {   // more than a queue keeps in memory
            pub.publishWith().topic("r/" + i).qos(MqttQos.AT_LEAST_ONCE).payload(bytes("m" + i)).send();
        }
        pub.publishWith().topic("ret/a").qos(MqttQos.AT_LEAST_ONCE).retain(true).payload(bytes("kept")).send();
        pub.disconnect();
        broker.close();

        broker = startDurable();
        assertEquals(300, broker.broker().sessions().get("keeper").queueSize(), "restored before any client connects");
        Mqtt5BlockingClient again = v5(broker, "keeper").toBlocking();
        try (Mqtt5Publishes publishes = again.publishes(MqttGlobalPublishFilter.ALL)) {
            assertTrue(again.connectWith().cleanStart(false).sessionExpiryInterval(3600).send().isSessionPresent());
            for (int i = 0; i < 300; i++) {
                assertEquals("m" + i, text(next(publishes).getPayloadAsBytes()), "in order");
            }
            Mqtt5BlockingClient pub2 = v5Connected(broker, "pub2");
            pub2.publishWith().topic("r/after").qos(MqttQos.AT_LEAST_ONCE).payload(bytes("after")).send();
            assertEquals("after", text(next(publishes).getPayloadAsBytes()), "the subscription came back");
            pub2.disconnect();
        }
        Mqtt5BlockingClient late = v5Connected(broker, "late");
        try (Mqtt5Publishes publishes = late.publishes(MqttGlobalPublishFilter.ALL)) {
            late.subscribeWith().topicFilter("ret/#").send();
            assertEquals("kept", text(next(publishes).getPayloadAsBytes()), "the retained message came back");
        }
        late.disconnect();
        again.disconnect();
    }

    @Test
    void aSecondBrokerOnTheSameDataDirRefusesToStartNamingTheLock() {
        broker = startDurable();
        IllegalStateException e = assertThrows(IllegalStateException.class, this::startDurable);
        String lock = dataDir.toAbsolutePath().normalize().resolve("store").resolve("LOCK").toString();
        assertTrue(e.getMessage().contains("another broker is using the store") && e.getMessage().contains(lock),
                e.getMessage());
    }
}
