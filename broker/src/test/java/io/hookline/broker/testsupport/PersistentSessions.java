package io.hookline.broker.testsupport;

import static io.hookline.broker.testsupport.Clients.bytes;
import static io.hookline.broker.testsupport.Clients.text;
import static io.hookline.broker.testsupport.Clients.v5;
import static io.hookline.broker.testsupport.Clients.v5Connected;
import static io.hookline.broker.testsupport.Receive.next;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient.Mqtt5Publishes;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Persistent MQTT 5 sessions (no clean start, one hour's expiry unless told) for the tests that
 * take a session across a broker restart, in-process or a broker process: made, left offline,
 * resumed, listened to, and what a newcomer sees.
 */
public final class PersistentSessions {
    private PersistentSessions() {}

    /** Connects {@code client} without a clean start, session expiry 3600 s: whether the broker had its session. */
    public static boolean resume(Mqtt5BlockingClient client) {
        return client.connectWith()
                .cleanStart(false)
                .sessionExpiryInterval(3600)
                .send()
                .isSessionPresent();
    }

    /**
     * Connects {@code client} without a clean start, session expiry {@code expiry} s, having it
     * hand every message it receives to {@code into} from then on; asserts whether the broker had
     * its session ({@code present}).
     */
    public static Mqtt5AsyncClient listen(Mqtt5Client client, long expiry, Consumer<Mqtt5Publish> into, boolean present)
            throws Exception {
        Mqtt5AsyncClient c = client.toAsync();
        c.publishes(MqttGlobalPublishFilter.ALL, into);
        boolean sessionPresent = c.connectWith()
                .cleanStart(false)
                .sessionExpiryInterval(expiry)
                .send()
                .get(30, TimeUnit.SECONDS)
                .isSessionPresent();
        String id = c.getConfig().getClientIdentifier().map(Object::toString).orElse("");
        assertEquals(present, sessionPresent, id + ": session present");
        return c;
    }

    /**
     * A new persistent session {@code clientId} subscribed to {@code filter} at QoS 1 and left
     * offline: returns once the broker has seen it go, so what is published next is queued.
     */
    public static void subscribeAndLeave(TestBroker broker, String clientId, String filter) {
        Mqtt5BlockingClient c = v5(broker, clientId).toBlocking();
        assertFalse(resume(c), "a new session");
        c.subscribeWith().topicFilter(filter).qos(MqttQos.AT_LEAST_ONCE).send();
        c.disconnect();
        await().atMost(Duration.ofSeconds(5))
                .until(() -> !broker.broker().sessions().get(clientId).isOnline());
    }

    /** Publishes {@code payload} once at QoS 1 from a client of its own ({@code clientId}), acknowledged. */
    public static void publishOnce(TestBroker broker, String clientId, String topic, String payload) {
        Mqtt5BlockingClient pub = v5Connected(broker, clientId);
        pub.publishWith()
                .topic(topic)
                .qos(MqttQos.AT_LEAST_ONCE)
                .payload(bytes(payload))
                .send();
        pub.disconnect();
    }

    /** The payload of the first message a new clean client {@code clientId} gets on subscribing to {@code filter}: a retained one. */
    public static String firstRetained(TestBroker broker, String clientId, String filter) throws InterruptedException {
        Mqtt5BlockingClient late = v5Connected(broker, clientId);
        try (Mqtt5Publishes publishes = late.publishes(MqttGlobalPublishFilter.ALL)) {
            late.subscribeWith().topicFilter(filter).send();
            return text(next(publishes).getPayloadAsBytes());
        } finally {
            late.disconnect();
        }
    }
}
