package io.hookline.broker.protocol;

import static io.hookline.broker.testsupport.Clients.bytes;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient.Mqtt5Publishes;
import io.hookline.broker.testsupport.Receive;
import io.hookline.broker.testsupport.TestBroker;
import io.hookline.broker.testsupport.UserClients;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * auth_on_register's upgrade_qos (and the broker's upgrade_outgoing_qos): a message is delivered
 * at the subscription's QoS, not min(publish QoS, subscription QoS), live and from the offline queue.
 * The hook is {@link RegisterModifiersTest.LimitsPlugin}: the user name carries the modifiers.
 */
class UpgradeQosTest {

    private TestBroker broker;

    @RegisterExtension
    final UserClients clients = new UserClients(() -> broker);

    /** The QoS at which {@code username}'s QoS 1 subscription receives a QoS 0 publish. */
    private MqttQos liveDeliveryQos(String username) throws Exception {
        Mqtt5BlockingClient sub = clients.connect("sub", username);
        try (Mqtt5Publishes publishes = sub.publishes(MqttGlobalPublishFilter.ALL)) {
            sub.subscribeWith().topicFilter("t").qos(MqttQos.AT_LEAST_ONCE).send();
            clients.connect("pub", "plain")
                    .publishWith()
                    .topic("t")
                    .qos(MqttQos.AT_MOST_ONCE)
                    .payload(bytes("m"))
                    .send();
            return Receive.next(publishes).getQos();
        }
    }

    /** The same, for a message queued while the persistent session was offline. */
    private MqttQos offlineDeliveryQos(String username) throws Exception {
        Mqtt5BlockingClient sub = clients.client("away", username);
        sub.connectWith().cleanStart(false).sessionExpiryInterval(60).send();
        sub.subscribeWith().topicFilter("t").qos(MqttQos.AT_LEAST_ONCE).send();
        sub.disconnect();
        await().atMost(Duration.ofSeconds(5))
                .until(() -> !broker.broker().sessions().get("away").isOnline());

        clients.connect("pub", "plain")
                .publishWith()
                .topic("t")
                .qos(MqttQos.AT_MOST_ONCE)
                .payload(bytes("queued"))
                .send();
        await().atMost(Duration.ofSeconds(5))
                .until(() -> broker.broker().sessions().get("away").queueSize() == 1);

        try (Mqtt5Publishes publishes = sub.publishes(MqttGlobalPublishFilter.ALL)) {
            sub.connectWith().cleanStart(false).sessionExpiryInterval(60).send();
            return Receive.next(publishes).getQos();
        } finally {
            sub.disconnect();
        }
    }

    @Test
    void qos0PublishReachesAQos1SubscriptionAtQos1WhenTheHookUpgrades() throws Exception {
        broker = TestBroker.start("plugins.limits_test", "on");
        assertEquals(MqttQos.AT_LEAST_ONCE, liveDeliveryQos("upgrade_qos=true"));
    }

    @Test
    void withoutUpgradeTheLowerPublishQosIsKept() throws Exception {
        broker = TestBroker.start("plugins.limits_test", "on");
        assertEquals(MqttQos.AT_MOST_ONCE, liveDeliveryQos("plain"));
    }

    @Test
    void messageQueuedWhileOfflineIsDeliveredUpgraded() throws Exception {
        broker = TestBroker.start("plugins.limits_test", "on");
        assertEquals(MqttQos.AT_LEAST_ONCE, offlineDeliveryQos("upgrade_qos=true"));
    }

    @Test
    void messageQueuedWhileOfflineKeepsItsQosWithoutUpgrade() throws Exception {
        broker = TestBroker.start("plugins.limits_test", "on");
        assertEquals(MqttQos.AT_MOST_ONCE, offlineDeliveryQos("upgrade_qos=false"));
    }

    @Test
    void brokerWideUpgradeOutgoingQosIsTheDefaultTheModifierOverrides() throws Exception {
        broker = TestBroker.start("plugins.limits_test", "on", "upgrade_outgoing_qos", "on");
        assertEquals(MqttQos.AT_LEAST_ONCE, liveDeliveryQos("plain"));
        clients.close();
        assertEquals(MqttQos.AT_MOST_ONCE, liveDeliveryQos("upgrade_qos=false"));
    }

    @Test
    void retainedMessageSentOnSubscribeIsUpgradedAndNothingGoesAboveTheSubscription() throws Exception {
        broker = TestBroker.start("plugins.limits_test", "on");
        Mqtt5BlockingClient pub = clients.connect("pub", "plain");
        pub.publishWith()
                .topic("r0")
                .retain(true)
                .qos(MqttQos.AT_MOST_ONCE)
                .payload(bytes("r0"))
                .send();
        Mqtt5BlockingClient sub = clients.connect("sub", "upgrade_qos=true");
        try (Mqtt5Publishes publishes = sub.publishes(MqttGlobalPublishFilter.ALL)) {
            sub.subscribeWith().topicFilter("r0").qos(MqttQos.EXACTLY_ONCE).send();
            assertEquals(
                    MqttQos.EXACTLY_ONCE, Receive.next(publishes).getQos(), "retained QoS 0 at the subscription's 2");
            sub.subscribeWith().topicFilter("low").qos(MqttQos.AT_MOST_ONCE).send();
            pub.publishWith()
                    .topic("low")
                    .qos(MqttQos.EXACTLY_ONCE)
                    .payload(bytes("q2"))
                    .send();
            assertEquals(MqttQos.AT_MOST_ONCE, Receive.next(publishes).getQos(), "never above the subscription");
        }
    }
}
