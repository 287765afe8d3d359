package io.hookline.broker.testsupport;

import static io.hookline.broker.testsupport.Clients.bytes;
import static io.hookline.broker.testsupport.Clients.text;
import static io.hookline.broker.testsupport.Clients.v5Connected;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient.Mqtt5Publishes;
import java.util.concurrent.TimeUnit;

/**
 * A well-behaved v5 client (HiveMQ) subscribed to {@code bystander/#}, for checking that
 * whatever another connection did, the broker still serves everyone else.
 */
public final class Bystander implements AutoCloseable {

    private final TestBroker broker;
    private final Mqtt5BlockingClient client;
    private final Mqtt5Publishes inbox;

    public Bystander(TestBroker broker) {
        this.broker = broker;
        this.client = v5Connected(broker, "bystander");
        this.inbox = client.publishes(MqttGlobalPublishFilter.ALL);
        client.subscribeWith()
                .topicFilter("bystander/#")
                .qos(MqttQos.AT_LEAST_ONCE)
                .send();
    }

    /** What reaches {@code bystander/#} (wills sent there, for instance). */
    public Mqtt5Publishes inbox() {
        return inbox;
    }

    /** A fresh client publishes QoS 1 to the bystander, which receives it. */
    public void assertStillServed() throws InterruptedException {
        Mqtt5BlockingClient publisher = v5Connected(broker, "publisher");
        publisher
                .publishWith()
                .topic("bystander/check")
                .qos(MqttQos.AT_LEAST_ONCE)
                .payload(bytes("still here"))
                .send();
        var received = inbox.receive(5, TimeUnit.SECONDS);
        assertTrue(received.isPresent(), "the bystander got nothing after the bad input");
        assertEquals("still here", text(received.get().getPayloadAsBytes()));
        publisher.disconnect();
    }

    @Override
    public void close() {
        inbox.close();
        if (client.getState().isConnected()) {
            client.disconnect();
        }
    }
}
