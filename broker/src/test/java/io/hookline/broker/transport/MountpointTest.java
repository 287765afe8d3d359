package io.hookline.broker.transport;

import static io.hookline.broker.testsupport.Clients.bytes;
import static io.hookline.broker.testsupport.Clients.text;
import static io.hookline.broker.testsupport.Receive.next;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient.Mqtt5Publishes;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.hookline.broker.testsupport.TestBroker;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Two tenants on two listeners with mountpoints, and an operator on a listener without one. */
class MountpointTest {

    private TestBroker broker;

    @BeforeEach
    void start() {
        broker = TestBroker.start(
                "listener.tcp.a",
                "127.0.0.1:0",
                "listener.tcp.a.mountpoint",
                "tenantA/",
                "listener.ws.b",
                "127.0.0.1:0",
                "listener.ws.b.mountpoint",
                "tenantB/");
    }

    @AfterEach
    void stop() {
        broker.close();
    }

    private Mqtt5BlockingClient onA(String id) {
        Mqtt5BlockingClient c = MqttClient.builder()
                .useMqttVersion5()
                .identifier(id)
                .serverHost("127.0.0.1")
                .serverPort(broker.port("tcp", "a"))
                .buildBlocking();
        c.connect();
        return c;
    }

    private Mqtt5BlockingClient onB(String id) {
        Mqtt5BlockingClient c = MqttClient.builder()
                .useMqttVersion5()
                .identifier(id)
                .serverHost("127.0.0.1")
                .serverPort(broker.port("ws", "b"))
                .webSocketConfig()
                .serverPath("mqtt")
                .applyWebSocketConfig()
                .buildBlocking();
        c.connect();
        return c;
    }

    @Test
    void tenantsSeeOnlyTheirOwnTopicsWithoutThePrefix() throws Exception {
        Mqtt5BlockingClient aSub = onA("a-sub");
        Mqtt5BlockingClient aPub = onA("a-pub");
        Mqtt5BlockingClient bSub = onB("b-sub");
        Mqtt5BlockingClient bPub = onB("b-pub");
        Mqtt5BlockingClient operator = io.hookline.broker.testsupport.Clients.v5Connected(broker, "operator");
        try (Mqtt5Publishes aGets = aSub.publishes(MqttGlobalPublishFilter.ALL);
                Mqtt5Publishes bGets = bSub.publishes(MqttGlobalPublishFilter.ALL);
                Mqtt5Publishes opGets = operator.publishes(MqttGlobalPublishFilter.ALL)) {
            aSub.subscribeWith().topicFilter("#").qos(MqttQos.AT_LEAST_ONCE).send();
            bSub.subscribeWith().topicFilter("#").qos(MqttQos.AT_LEAST_ONCE).send();
            operator.subscribeWith()
                    .topicFilter("tenantA/#")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .send();

            aPub.publishWith()
                    .topic("x")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload(bytes("from A"))
                    .send();
            bPub.publishWith()
                    .topic("x")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload(bytes("from B"))
                    .send();

            Mqtt5Publish a = next(aGets);
            assertEquals("x", a.getTopic().toString());
            assertEquals("from A", text(a.getPayloadAsBytes()));
            // B's first message is its own: A's never reached it
            Mqtt5Publish b = next(bGets);
            assertEquals("x", b.getTopic().toString());
            assertEquals("from B", text(b.getPayloadAsBytes()));
            // a listener without a mountpoint sees the tenant's topic under its prefix
            Mqtt5Publish op = next(opGets);
            assertEquals("tenantA/x", op.getTopic().toString());
            assertEquals("from A", text(op.getPayloadAsBytes()));

            // B publishing again still does not reach A: the next thing A gets is its own marker
            bPub.publishWith().topic("y").payload(bytes("B again")).send();
            aPub.publishWith().topic("marker").payload(bytes("A marker")).send();
            assertEquals("marker", next(aGets).getTopic().toString());
        }
        for (Mqtt5BlockingClient c : new Mqtt5BlockingClient[] {aSub, aPub, bSub, bPub, operator}) {
            c.disconnect();
        }
    }

    @Test
    void retainedMessagesAndWillsStayInsideTheMountpoint() throws Exception {
        Mqtt5BlockingClient aPub = onA("a-pub");
        aPub.publishWith().topic("state").retain(true).payload(bytes("A state")).send();
        Mqtt5BlockingClient bPub = onB("b-pub");
        bPub.publishWith().topic("state").retain(true).payload(bytes("B state")).send();

        Mqtt5BlockingClient aLate = onA("a-late");
        try (Mqtt5Publishes gets = aLate.publishes(MqttGlobalPublishFilter.ALL)) {
            aLate.subscribeWith().topicFilter("+").send();
            Mqtt5Publish got = next(gets);
            assertEquals("state", got.getTopic().toString());
            assertEquals("A state", text(got.getPayloadAsBytes()));
            assertTrue(got.isRetain());

            // a will of a tenant-A client is published inside tenant A
            Mqtt5BlockingClient dying = MqttClient.builder()
                    .useMqttVersion5()
                    .identifier("dying")
                    .serverHost("127.0.0.1")
                    .serverPort(broker.port("tcp", "a"))
                    .buildBlocking();
            dying.connectWith()
                    .willPublish()
                    .topic("gone")
                    .payload(bytes("bye"))
                    .applyWillPublish()
                    .send();
            dying.disconnectWith()
                    .reasonCode(
                            com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode
                                    .DISCONNECT_WITH_WILL_MESSAGE)
                    .send();
            Mqtt5Publish will = next(gets);
            assertEquals("gone", will.getTopic().toString());
        }
        assertEquals(2, broker.broker().retained().size());
    }

    @Test
    void unsubscribeAndSharedSubscriptionsWorkInsideTheMountpoint() throws Exception {
        Mqtt5BlockingClient sub = onA("a-sub");
        Mqtt5BlockingClient pub = onA("a-pub");
        try (var gets = sub.publishes(MqttGlobalPublishFilter.ALL)) {
            sub.subscribeWith().topicFilter("$share/g/jobs").send();
            sub.subscribeWith().topicFilter("news").send();
            sub.unsubscribeWith().topicFilter("news").send();
            pub.publishWith().topic("news").payload(bytes("dropped")).send();
            pub.publishWith().topic("jobs").payload(bytes("job 1")).send();
            var got = gets.receive(5, TimeUnit.SECONDS);
            assertTrue(got.isPresent());
            assertEquals("jobs", got.get().getTopic().toString());
            assertEquals("job 1", text(got.get().getPayloadAsBytes()));
        }
        sub.disconnect();
    }
}
