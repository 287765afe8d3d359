package io.hookline.broker.protocol;

import static io.hookline.broker.testsupport.Clients.bytes;
import static io.hookline.broker.testsupport.Clients.text;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import io.hookline.api.hook.Answer;
import io.hookline.api.hook.HandlerOptions;
import io.hookline.api.hook.Hooks;
import io.hookline.api.hook.Modifier;
import io.hookline.api.hook.Modifiers;
import io.hookline.api.mqtt.Bytes;
import io.hookline.broker.hooks.testplugins.Script;
import io.hookline.broker.metrics.BrokerMetrics.Counter;
import io.hookline.broker.testsupport.Clients;
import io.hookline.broker.testsupport.ManualTime;
import io.hookline.broker.testsupport.TestBroker;
import io.hookline.broker.testsupport.UserClients;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * max_message_rate (auth_on_register's modifier, the broker's key as default): a client
 * publishing faster is throttled, as in VerneMQ, not disconnected. The broker runs on a
 * {@link ManualTime} that jumps from one timer to the next, so no test waits for the rate in real
 * seconds; timing is asserted as a lower bound on that time (the schedule cannot be beaten).
 */
class MessageRateTest {

    private static final int MESSAGES = 100;
    private static final Duration AT_MOST = Duration.ofSeconds(60);

    private final ManualTime time = new ManualTime();
    private TestBroker broker;

    @RegisterExtension
    final UserClients clients = new UserClients(() -> broker);

    /** A subscriber to {@code topic}: what it received, in order. */
    private List<String> subscriber(String topic) {
        return clients.subscriber("sub-" + topic, "plain", topic);
    }

    private TestBroker start(String... keyValues) {
        return TestBroker.startOn(null, time.clock(), time, keyValues);
    }

    /**
     * Publishes {@code n} QoS 1 messages as fast as the client can; returns the broker's time
     * (nanos) until the last PUBACK.
     */
    private long publishFlatOut(Mqtt5BlockingClient client, String topic, int n) throws Exception {
        Mqtt5AsyncClient async = client.toAsync();
        long start = time.nanoTime();
        List<CompletableFuture<?>> acks = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            acks.add(async.publishWith()
                    .topic(topic)
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload(bytes(String.valueOf(i)))
                    .send());
        }
        CompletableFuture<Void> all = CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new));
        time.runUntil(all::isDone, AT_MOST);
        all.get();
        return time.nanoTime() - start;
    }

    private static List<String> numbers(int n) {
        return IntStream.range(0, n).mapToObj(String::valueOf).toList();
    }

    private long throttled() {
        return broker.broker().metrics().get(Counter.PUBLISHES_THROTTLED);
    }

    @Test
    void clientOverItsRateIsThrottledNotDisconnectedAndEveryMessageArrivesInOrder() throws Exception {
        broker = start("plugins.limits_test", "on");
        List<String> received = subscriber("rated");
        Mqtt5BlockingClient publisher = clients.connect("fast", "max_message_rate=20");

        long elapsed = publishFlatOut(publisher, "rated", MESSAGES);

        // a quiet client may send one second's worth (20) at once, the other 80 come 1/20 s apart
        assertTrue(
                elapsed >= TimeUnit.MILLISECONDS.toNanos(3_900),
                "100 messages at 20/s cannot all be acknowledged in " + elapsed / 1_000_000 + " ms");
        assertTrue(throttled() > 0, "the broker held messages back");
        assertTrue(publisher.getState().isConnected(), "throttled, not disconnected");
        await().atMost(Duration.ofSeconds(10)).until(() -> received.size() == MESSAGES);
        assertEquals(numbers(MESSAGES), received);
    }

    @Test
    void clientWithoutARateIsNotThrottled() throws Exception {
        broker = start("plugins.limits_test", "on");
        List<String> received = subscriber("free");
        publishFlatOut(clients.connect("free", "plain"), "free", MESSAGES);
        await().atMost(Duration.ofSeconds(10)).until(() -> received.size() == MESSAGES);
        assertEquals(numbers(MESSAGES), received);
        assertEquals(0, throttled());
    }

    @Test
    void brokerMaxMessageRateIsTheDefaultTheModifierOverrides() throws Exception {
        broker = start("plugins.limits_test", "on", "max_message_rate", "50");
        publishFlatOut(clients.connect("exempt", "max_message_rate=0"), "t", MESSAGES);
        assertEquals(0, throttled(), "0 from the hook: no limit for this client");

        long elapsed = publishFlatOut(clients.connect("default", "plain"), "t", MESSAGES);
        assertTrue(throttled() > 0, "the broker's max_message_rate applies to the others");
        assertTrue(elapsed >= TimeUnit.MILLISECONDS.toNanos(950), "50 beyond the first second's 50 take 1 s");
    }

    @Test
    void brokerMaxMessageRateChangedAtRuntimeAppliesToNewConnections() throws Exception {
        broker = start();
        Mqtt5BlockingClient before = clients.connect("before", "plain");
        broker.broker().changeConfig(Map.of("max_message_rate", "10"));
        publishFlatOut(before, "t", 30);
        assertEquals(0, throttled(), "a connection keeps the rate it connected with");
        publishFlatOut(clients.connect("after", "plain"), "t", 30);
        assertTrue(throttled() > 0);
    }

    @Test
    void throttledMessagesStayInOrderWithTheClientsOtherPackets() throws Exception {
        broker = start("plugins.limits_test", "on");
        List<String> received = subscriber("mixed");
        Mqtt5BlockingClient publisher = clients.connect("mixed", "max_message_rate=10");
        Mqtt5AsyncClient async = publisher.toAsync();
        List<CompletableFuture<?>> acks = new ArrayList<>();
        for (int i = 0; i < 15; i++) {
            acks.add(async.publishWith()
                    .topic("mixed")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload(bytes(String.valueOf(i)))
                    .send());
        }
        // subscribes to its own topic behind the throttled messages: it must not see them
        List<String> own = new CopyOnWriteArrayList<>();
        CompletableFuture<?> subscribed = async.subscribeWith()
                .topicFilter("mixed")
                .qos(MqttQos.AT_LEAST_ONCE)
                .callback(p -> own.add(text(p.getPayloadAsBytes())))
                .send();
        time.runUntil(subscribed::isDone, AT_MOST);
        subscribed.get(30, TimeUnit.SECONDS);
        acks.add(async.publishWith()
                .topic("mixed")
                .qos(MqttQos.AT_LEAST_ONCE)
                .payload(bytes("after"))
                .send());
        CompletableFuture<Void> all = CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new));
        time.runUntil(all::isDone, AT_MOST);
        all.get(30, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10)).until(() -> received.size() == 16 && own.size() == 1);
        assertEquals(List.of("after"), own, "the SUBSCRIBE took effect after the messages sent before it");
        assertTrue(throttled() > 0, "beyond the first second's 10, messages waited their turn");
    }

    @Test
    void throttledMessagesAreStillAskedAboutAndRewrittenInOrder() throws Exception {
        try (Script script = Script.create()) {
            // an async auth_on_publish that takes a while and rewrites the payload
            script.async(Hooks.AUTH_ON_PUBLISH_M5, HandlerOptions.DEFAULT.timeout(Duration.ofSeconds(10)), in -> {
                CompletableFuture<Answer> later = new CompletableFuture<>();
                CompletableFuture.delayedExecutor(5, TimeUnit.MILLISECONDS)
                        .execute(() -> later.complete(Answer.ok(Modifiers.builder()
                                .set(
                                        Modifier.PAYLOAD,
                                        Bytes.of(bytes("m" + text(in.payload().toArray()))))
                                .build())));
                return later;
            });
            String[] config = Stream.concat(
                            Stream.of("plugins.limits_test", "on"), Stream.of(script.enable("script_a")))
                    .toArray(String[]::new);
            broker = start(config);
            List<String> received = subscriber("hooked");
            publishFlatOut(clients.connect("hooked", "max_message_rate=20"), "hooked", 40);
            await().atMost(Duration.ofSeconds(10)).until(() -> received.size() == 40);
            assertEquals(numbers(40).stream().map(n -> "m" + n).toList(), received);
            assertTrue(throttled() > 0);
            assertEquals(40, script.calls(Hooks.AUTH_ON_PUBLISH_M5).size(), "each asked once");
        }
    }

    @Test
    void negativeRateIsAnInvalidModifierAndTheConnectIsRefused() {
        broker = start("plugins.limits_test", "on");
        Mqtt5BlockingClient client = Clients.v5Builder(broker, "neg")
                .simpleAuth()
                .username("max_message_rate=-1")
                .applySimpleAuth()
                .build()
                .toBlocking();
        Mqtt5ConnAckException refused = assertThrows(Mqtt5ConnAckException.class, client::connect);
        assertTrue(refused.getMqttMessage().getReasonCode().isError());
    }
}
