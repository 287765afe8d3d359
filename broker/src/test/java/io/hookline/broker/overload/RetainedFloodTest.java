package io.hookline.broker.overload;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import io.hookline.broker.metrics.BrokerMetrics.Counter;
import io.hookline.broker.testsupport.RawClient;
import io.hookline.broker.testsupport.TestBroker;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Issue 16 item 4: a subscriber matching 20,000 retained messages gets every one of them,
 * streamed as its session has room, instead of a couple of thousand and queue_full drops.
 */
class RetainedFloodTest {

    // 20 x max_online_messages: before, all were offered at once and ~2,000 arrived (of 100,000 in the issue)
    private static final int RETAINED = 20_000;

    /** Retains {@code ret/0} ... {@code ret/99999} from a raw 3.1.1 publisher. */
    private static void retainMany(TestBroker broker) throws Exception {
        try (Socket s = new Socket("127.0.0.1", broker.port())) {
            s.setSoTimeout(10_000);
            OutputStream out = new java.io.BufferedOutputStream(s.getOutputStream(), 64 * 1024);
            out.write(RawClient.connect(4, "retainer"));
            out.flush();
            s.getInputStream().readNBytes(4);
            for (int i = 0; i < RETAINED; i++) {
                out.write(RawClient.publish(
                        4, 0x01, "ret/" + i, 0, new RawClient.Bytes(), ("v" + i).getBytes(StandardCharsets.UTF_8)));
            }
            out.write(RawClient.disconnect());
            out.flush();
        }
        await().atMost(Duration.ofSeconds(50))
                .until(() -> broker.broker().retained().size() == RETAINED);
    }

    @ParameterizedTest(name = "subscription QoS {0}")
    @EnumSource(
            value = MqttQos.class,
            names = {"AT_MOST_ONCE", "AT_LEAST_ONCE"})
    void aSubscriberGetsEveryRetainedMessage(MqttQos qos) throws Exception {
        try (TestBroker broker = TestBroker.start()) {
            retainMany(broker);
            Set<String> seen = ConcurrentHashMap.newKeySet();
            Mqtt5AsyncClient subscriber = MqttClient.builder()
                    .useMqttVersion5()
                    .identifier("late")
                    .serverHost("127.0.0.1")
                    .serverPort(broker.port())
                    .buildAsync();
            subscriber.connect().get(10, TimeUnit.SECONDS);
            subscriber
                    .subscribeWith()
                    .topicFilter("ret/#")
                    .qos(qos)
                    .callback(p -> seen.add(p.getTopic().toString()))
                    .send()
                    .get(10, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(50)).until(() -> seen.size() == RETAINED);
            assertEquals(0, broker.broker().metrics().get(Counter.DROPPED_QUEUE_FULL));
            subscriber.disconnect().get(10, TimeUnit.SECONDS);
        }
    }
}
