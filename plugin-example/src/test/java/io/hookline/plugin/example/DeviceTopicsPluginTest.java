package io.hookline.plugin.example;

import static io.hookline.broker.testsupport.Clients.v5Builder;
import static io.hookline.broker.testsupport.Clients.v5Connected;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.hookline.broker.testsupport.Acks;
import io.hookline.broker.testsupport.TestBroker;
import org.junit.jupiter.api.Test;

/** The example plugin in a real broker with HiveMQ clients. */
class DeviceTopicsPluginTest {

    @Test
    void devicesPublishAsThemselvesAndFilesBelongToTheirOwner() {
        try (TestBroker broker = TestBroker.start("plugins.device_topics", "on")) {
            Mqtt5BlockingClient d1 = v5Connected(broker, "d-1");
            assertEquals(0x10, Acks.puback(d1, "devices/d-1/telemetry", "20C")); // accepted, nobody listens
            assertEquals(0x87, Acks.puback(d1, "devices/d-2/telemetry", "spoof"));
            // the plugin says next; with no other handler installed the broker's rule denies (docs/hooks.md)
            assertEquals(0x87, Acks.puback(d1, "elsewhere/x", "undecided"));
            d1.disconnect();

            Mqtt5BlockingClient alice = v5Builder(broker, "alice-phone")
                    .simpleAuth()
                    .username("alice")
                    .applySimpleAuth()
                    .buildBlocking();
            alice.connect();
            assertEquals(0x10, Acks.puback(alice, "files/alice/notes/todo.txt", "x"));
            assertEquals(0x87, Acks.puback(alice, "files/bob/notes.txt", "x"));
            alice.disconnect();
        }
    }

    @Test
    void theRootIsConfigurable() {
        try (TestBroker broker = TestBroker.start("plugins.device_topics", "on", "device_topics.root", "things")) {
            Mqtt5BlockingClient t = v5Connected(broker, "t-1");
            assertEquals(0x87, Acks.puback(t, "things/t-2/x", "spoof"));
            assertEquals(0x10, Acks.puback(t, "things/t-1/x", "ok"));
            t.disconnect();
        }
    }
}
