package io.hookline.broker.routing;

import static io.hookline.broker.testsupport.Clients.bytes;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import io.hookline.broker.testsupport.TestBroker;
import io.hookline.broker.testsupport.UserClients;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * auth_on_register's shared_subscription_policy, as in VerneMQ: the policy of the publishing
 * client chooses the group member for its messages; others get the broker's. The hook is
 * RegisterModifiersTest.LimitsPlugin: the user name carries the modifier.
 */
class SharedPolicyModifierTest {

    private static final int MESSAGES = 40;

    private TestBroker broker;

    @RegisterExtension
    final UserClients clients = new UserClients(() -> broker);

    private List<Integer> member(String id) {
        return clients.subscriber(id, "plain", "$share/g/work", Integer::parseInt);
    }

    /** Publishes 0..MESSAGES-1 as {@code username} and waits until the two members have them all. */
    private void publish(String username, List<Integer> a, List<Integer> b) {
        Mqtt5BlockingClient pub = clients.connect("pub-" + username.hashCode(), username);
        for (int i = 0; i < MESSAGES; i++) {
            pub.publishWith()
                    .topic("work")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload(bytes(String.valueOf(i)))
                    .send();
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> a.size() + b.size() == MESSAGES);
    }

    /** True when the member got every other message, as members in turn give. */
    private static boolean alternates(List<Integer> got) {
        return got.size() == MESSAGES / 2 && got.stream().allMatch(i -> i % 2 == got.get(0) % 2);
    }

    @Test
    void publishersRoundRobinOverridesTheBrokersRandom() {
        broker = TestBroker.start("plugins.limits_test", "on", "shared_subscription_policy", "random");
        List<Integer> a = member("a");
        List<Integer> b = member("b");
        publish("shared_subscription_policy=round_robin", a, b);
        assertTrue(alternates(a) && alternates(b), "members in turn: " + a + " / " + b);
    }

    @Test
    void publishersRandomOverridesTheBrokersRoundRobin() {
        broker = TestBroker.start("plugins.limits_test", "on", "shared_subscription_policy", "round_robin");
        List<Integer> a = member("a");
        List<Integer> b = member("b");
        publish("plain", a, b);
        assertTrue(alternates(a) && alternates(b), "the broker's round_robin for a client without the modifier");

        a.clear();
        b.clear();
        publish("shared_subscription_policy=random", a, b);
        // at random, 40 messages alternating exactly has a chance of 2^-39
        assertFalse(alternates(a), "chosen at random, not in turn: " + a + " / " + b);
    }

    @Test
    void clusterPoliciesChooseAmongEveryMemberOnOneNode() {
        broker = TestBroker.start("plugins.limits_test", "on");
        List<Integer> a = member("a");
        List<Integer> b = member("b");
        for (String policy : List.of("prefer_local", "local_only")) {
            a.clear();
            b.clear();
            publish("shared_subscription_policy=" + policy, a, b);
            assertEquals(MESSAGES, a.size() + b.size(), policy + ": each message to exactly one member");
            assertFalse(alternates(a), policy + " chooses like random on a single node");
        }
    }

    @Test
    void unknownPolicyIsAnInvalidModifierAndTheConnectIsRefused() {
        broker = TestBroker.start("plugins.limits_test", "on");
        Mqtt5BlockingClient client = clients.client("fifo", "shared_subscription_policy=fifo");
        Mqtt5ConnAckException refused = assertThrows(Mqtt5ConnAckException.class, client::connect);
        assertTrue(refused.getMqttMessage().getReasonCode().isError());
    }
}
