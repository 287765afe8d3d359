package io.hookline.broker.session;

import static io.hookline.broker.testsupport.Clients.bytes;
import static io.hookline.broker.testsupport.Clients.text;
import static io.hookline.broker.testsupport.Clients.v5;
import static io.hookline.broker.testsupport.Clients.v5Connected;
import static io.hookline.broker.testsupport.Receive.next;
import static io.hookline.broker.testsupport.Receive.nothing;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient.Mqtt5Publishes;
import io.hookline.broker.metrics.BrokerMetrics.Counter;
import io.hookline.broker.testsupport.RawClient;
import io.hookline.broker.testsupport.RawClient.Bytes;
import io.hookline.broker.testsupport.RawClient.Connect;
import io.hookline.broker.testsupport.RawClient.Packet;
import io.hookline.broker.testsupport.TestBroker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What a resumed session delivers: messages in flight resent (DUP, PUBREL), exactly-once state
 * kept both ways, the queue behind the inflight window, and nothing lost in a takeover.
 * Paho (3.1 / 3.1.1) where a client must hold back its acknowledgements.
 */
class SessionResumeTest {

    private TestBroker broker;

    @AfterEach
    void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    private Session session(String clientId) {
        return broker.broker().sessions().get(clientId);
    }

    private void awaitOffline(String clientId) {
        await().atMost(Duration.ofSeconds(5))
                .until(() -> session(clientId) == null || !session(clientId).isOnline());
    }

    private Mqtt5BlockingClient persistentV5(String clientId, long expirySeconds, boolean expectPresent) {
        Mqtt5BlockingClient client = v5(broker, clientId).toBlocking();
        assertEquals(
                expectPresent,
                client.connectWith()
                        .cleanStart(false)
                        .sessionExpiryInterval(expirySeconds)
                        .send()
                        .isSessionPresent(),
                "session present");
        return client;
    }

    /** Paho's 3.1.1 client (its name clashes with HiveMQ's MqttClient). */
    private static final class PahoClient extends org.eclipse.paho.client.mqttv3.MqttClient {
        PahoClient(String url, String clientId, MemoryPersistence persistence) throws Exception {
            super(url, clientId, persistence);
        }
    }

    private static MqttCallback collector(BlockingQueue<MqttMessage> into) {
        return new MqttCallback() {
            @Override
            public void connectionLost(Throwable cause) {}

            @Override
            public void messageArrived(String topic, MqttMessage message) {
                into.add(message);
            }

            @Override
            public void deliveryComplete(IMqttDeliveryToken token) {}
        };
    }

    @Test
    void unacknowledgedMessageIsResentWithDupOnReconnect() throws Exception {
        broker = TestBroker.start();
        String url = "tcp://127.0.0.1:" + broker.port();
        MqttConnectOptions options = new MqttConnectOptions();
        options.setCleanSession(false);
        BlockingQueue<MqttMessage> first = new LinkedBlockingQueue<>();
        PahoClient paho = new PahoClient(url, "acker", new MemoryPersistence());
        paho.setManualAcks(true); // receive, never acknowledge
        paho.setCallback(collector(first));
        paho.connect(options);
        paho.subscribe("acks", 1);

        Mqtt5BlockingClient pub = v5Connected(broker, "pub");
        pub.publishWith()
                .topic("acks")
                .qos(MqttQos.AT_LEAST_ONCE)
                .payload(bytes("ack me"))
                .send();
        MqttMessage original = first.poll(5, TimeUnit.SECONDS);
        assertNotNull(original);
        assertFalse(original.isDuplicate());
        assertEquals(1, session("acker").inflightSize());
        paho.disconnectForcibly(0, 10, false); // gone without PUBACK
        paho.close();
        awaitOffline("acker");

        BlockingQueue<MqttMessage> second = new LinkedBlockingQueue<>();
        PahoClient again = new PahoClient(url, "acker", new MemoryPersistence());
        again.setCallback(collector(second));
        again.connect(options);
        try {
            MqttMessage resent = second.poll(5, TimeUnit.SECONDS);
            assertNotNull(resent, "resent on reconnect");
            assertEquals("ack me", new String(resent.getPayload()));
            assertTrue(resent.isDuplicate(), "with DUP set");
            await().atMost(Duration.ofSeconds(5)).until(() -> session("acker").inflightSize() == 0);
        } finally {
            again.disconnect();
            again.close();
            pub.disconnect();
        }
    }

    @Test
    void queueLongerThanTheInflightWindowIsDeliveredInOrderOnReconnect() throws Exception {
        broker = TestBroker.start("max_inflight_messages", "2");
        Mqtt5BlockingClient sub = persistentV5("window", 60, false);
        sub.subscribeWith().topicFilter("w").qos(MqttQos.EXACTLY_ONCE).send();
        sub.disconnect();
        awaitOffline("window");
        Mqtt5BlockingClient pub = v5Connected(broker, "pub");
        for (int i = 0; i < 20; i++) {
            pub.publishWith()
                    .topic("w")
                    .qos(MqttQos.fromCode(1 + i % 2))
                    .payload(bytes("m" + i))
                    .send();
        }
        assertEquals(20, session("window").queueSize());

        Mqtt5BlockingClient again = v5(broker, "window").toBlocking();
        try (Mqtt5Publishes publishes = again.publishes(MqttGlobalPublishFilter.ALL)) {
            again.connectWith().cleanStart(false).sessionExpiryInterval(60).send();
            for (int i = 0; i < 20; i++) {
                assertEquals("m" + i, text(next(publishes).getPayloadAsBytes()));
            }
        } finally {
            again.disconnect();
            pub.disconnect();
        }
    }

    @Test
    void messagesInFlightDuringATakeoverReachTheOldOrTheNewConnection() throws Exception {
        broker = TestBroker.start();
        int count = 1000;
        Set<String> received = ConcurrentHashMap.newKeySet();
        Mqtt5AsyncClient old = v5(broker, "busy").toAsync();
        old.connectWith().cleanStart(false).sessionExpiryInterval(60).send().join();
        old.subscribeWith()
                .topicFilter("load")
                .qos(MqttQos.AT_LEAST_ONCE)
                .callback(p -> received.add(text(p.getPayloadAsBytes())))
                .send()
                .join();

        Mqtt5AsyncClient pub = v5(broker, "pub").toAsync();
        pub.connect().join();
        List<CompletableFuture<?>> sent = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            sent.add(pub.publishWith()
                    .topic("load")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload(bytes("m" + i))
                    .send());
            if (i == count / 4) {
                await().atMost(Duration.ofSeconds(5)).until(() -> !received.isEmpty());
            }
        }
        Mqtt5AsyncClient fresh = v5(broker, "busy").toAsync();
        fresh.publishes(MqttGlobalPublishFilter.ALL, p -> received.add(text(p.getPayloadAsBytes())));
        fresh.connectWith().cleanStart(false).sessionExpiryInterval(60).send().join();
        try {
            CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(10)).until(() -> received.size() == count);
        } finally {
            fresh.disconnect().join();
            pub.disconnect().join();
        }
    }

    @Test
    void outgoingQos2AwaitingPubcompResendsPubrelNotThePublishOnReconnect() throws Exception {
        broker = TestBroker.start();
        Connect connect = new Connect(5, "q2out").cleanStart(false).sessionExpiry(60);
        RawClient raw = RawClient.connected(broker, connect);
        raw.send(RawClient.subscribe(5, 1, "q2", 2));
        assertEquals(9, raw.read().type(), "SUBACK");
        Mqtt5BlockingClient pub = v5Connected(broker, "pub");
        try {
            pub.publishWith()
                    .topic("q2")
                    .qos(MqttQos.EXACTLY_ONCE)
                    .payload(bytes("once"))
                    .send();
            Packet publish = raw.read();
            assertEquals(3, publish.type(), "PUBLISH");
            assertEquals(2, publish.flags() >> 1 & 3, "QoS 2");
            int id = publish.packetId();
            raw.send(RawClient.ack(RawClient.PUBREC, id));
            Packet pubrel = raw.read();
            assertEquals(6, pubrel.type(), "PUBREL");
            raw.abort(); // gone before PUBCOMP
            awaitOffline("q2out");

            try (RawClient again = RawClient.connected(broker, connect)) {
                Packet resent = again.read();
                assertEquals(6, resent.type(), "PUBREL again, not the PUBLISH");
                assertEquals(id, resent.packetId());
                again.send(RawClient.ack(RawClient.PUBCOMP, id));
                await().atMost(Duration.ofSeconds(5))
                        .until(() -> session("q2out").inflightSize() == 0);
            }
        } finally {
            pub.disconnect();
        }
    }

    @ParameterizedTest(name = "MQTT version {0}")
    @ValueSource(ints = {4, 5})
    void incomingQos2ResentAfterReconnectIsRoutedOnce(int version) throws Exception {
        broker = TestBroker.start();
        Mqtt5BlockingClient sub = v5Connected(broker, "watch");
        try (Mqtt5Publishes publishes = sub.publishes(MqttGlobalPublishFilter.ALL)) {
            sub.subscribeWith().topicFilter("in2").qos(MqttQos.EXACTLY_ONCE).send();
            Connect connect = new Connect(version, "q2in").cleanStart(false).sessionExpiry(60);
            RawClient raw = RawClient.connected(broker, connect);
            raw.send(RawClient.publish(version, "in2", 2, 5, bytes("exactly once")));
            Packet pubrec = raw.read();
            assertEquals(5, pubrec.type(), "PUBREC");
            assertEquals(5, pubrec.packetId());
            raw.abort(); // gone before PUBREL
            awaitOffline("q2in");

            try (RawClient again = RawClient.connected(broker, connect)) {
                again.send(
                        RawClient.publish(version, 0x08 | 2 << 1, "in2", 5, new Bytes(), bytes("exactly once"))); // DUP
                assertEquals(5, again.read().type(), "PUBREC for the resent PUBLISH");
                again.send(RawClient.ack(RawClient.PUBREL, 5));
                Packet pubcomp = again.read();
                assertEquals(7, pubcomp.type(), "PUBCOMP");
                assertEquals(5, pubcomp.packetId());
            }
            assertEquals("exactly once", text(next(publishes).getPayloadAsBytes()));
            nothing(publishes);
        } finally {
            sub.disconnect();
        }
    }

    @Test
    void persistentMqtt31SessionQueuesWhileOffline() throws Exception {
        broker = TestBroker.start();
        String url = "tcp://127.0.0.1:" + broker.port();
        MqttConnectOptions options = new MqttConnectOptions();
        options.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1);
        options.setCleanSession(false);
        PahoClient old = new PahoClient(url, "v31", new MemoryPersistence());
        old.connect(options);
        old.subscribe("v31/#", 2);
        old.disconnect();
        old.close();
        awaitOffline("v31");
        assertEquals(3, session("v31").protocolVersion());

        Mqtt5BlockingClient pub = v5Connected(broker, "pub");
        pub.publishWith()
                .topic("v31/a")
                .qos(MqttQos.EXACTLY_ONCE)
                .payload(bytes("for 3.1"))
                .send();
        BlockingQueue<MqttMessage> received = new LinkedBlockingQueue<>();
        PahoClient again = new PahoClient(url, "v31", new MemoryPersistence());
        again.setCallback(collector(received));
        again.connect(options);
        try {
            MqttMessage m = received.poll(5, TimeUnit.SECONDS);
            assertNotNull(m, "queued message delivered on reconnect");
            assertEquals("for 3.1", new String(m.getPayload()));
            assertEquals(2, m.getQos());
        } finally {
            again.disconnect();
            again.close();
            pub.disconnect();
        }
    }

    @Test
    void messagesQueuedWhileOnlineAreCutToMaxOfflineMessagesWhenTheClientGoesAway() throws Exception {
        broker = TestBroker.start("max_inflight_messages", "1", "max_offline_messages", "3");
        String url = "tcp://127.0.0.1:" + broker.port();
        MqttConnectOptions options = new MqttConnectOptions();
        options.setCleanSession(false);
        BlockingQueue<MqttMessage> first = new LinkedBlockingQueue<>();
        PahoClient hoarder = new PahoClient(url, "hoarder", new MemoryPersistence());
        hoarder.setManualAcks(true); // never acknowledges: the window of 1 stays full
        hoarder.setCallback(collector(first));
        hoarder.connect(options);
        hoarder.subscribe("h", 1);

        Mqtt5BlockingClient pub = v5Connected(broker, "pub");
        for (int i = 0; i < 10; i++) {
            pub.publishWith()
                    .topic("h")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload(bytes("m" + i))
                    .send();
        }
        assertEquals("m0", new String(first.poll(5, TimeUnit.SECONDS).getPayload()));
        await().atMost(Duration.ofSeconds(5)).until(() -> session("hoarder").queueSize() == 9); // behind the window
        hoarder.disconnectForcibly(0, 10, false);
        hoarder.close();
        awaitOffline("hoarder");
        assertEquals(3, session("hoarder").queueSize(), "an offline session keeps at most max_offline_messages");
        assertEquals(6, broker.broker().metrics().get(Counter.DROPPED_QUEUE_FULL));

        BlockingQueue<MqttMessage> second = new LinkedBlockingQueue<>();
        PahoClient again = new PahoClient(url, "hoarder", new MemoryPersistence());
        again.setCallback(collector(second));
        again.connect(options);
        try {
            List<String> got = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                MqttMessage m = second.poll(5, TimeUnit.SECONDS);
                assertNotNull(m, "after " + got);
                got.add(new String(m.getPayload()));
            }
            assertEquals(List.of("m0", "m7", "m8", "m9"), got, "the unacknowledged one, then the newest three");
        } finally {
            again.disconnect();
            again.close();
            pub.disconnect();
        }
    }
}
