package io.hookline.broker;

import static io.hookline.broker.testsupport.Clients.bytes;
import static io.hookline.broker.testsupport.Clients.text;
import static io.hookline.broker.testsupport.Clients.v5Connected;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.hookline.broker.testsupport.TestBroker;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code $SYS/broker/...} published every systree_interval, seen by a subscriber. */
class SysTreeTest {

    private TestBroker broker;
    private long startedAtNanos;
    private Mqtt5BlockingClient sys;
    private Mqtt5BlockingClient everything;
    private Mqtt5BlockingClient pub;
    private final Map<String, String> latest = new ConcurrentHashMap<>();
    private final List<String> seenByRootWildcards = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() {
        startedAtNanos = System.nanoTime();
        broker = TestBroker.start("systree_interval", "1s");
        sys = v5Connected(broker, "sys");
        sys.toAsync()
                .subscribeWith()
                .topicFilter("$SYS/broker/#")
                .callback(p -> latest.put(p.getTopic().toString(), text(p.getPayloadAsBytes())))
                .send()
                .join();
        everything = v5Connected(broker, "everything");
        everything
                .toAsync()
                .subscribeWith()
                .addSubscription()
                .topicFilter("#")
                .applySubscription()
                .addSubscription()
                .topicFilter("+/broker/uptime")
                .applySubscription()
                .callback(p -> seenByRootWildcards.add(p.getTopic().toString()))
                .send()
                .join();
        pub = v5Connected(broker, "pub");
    }

    @AfterEach
    void stop() {
        sys.disconnect();
        everything.disconnect();
        pub.disconnect();
        broker.close();
    }

    private long value(String leaf) {
        String v = latest.get("$SYS/broker/" + leaf);
        return v == null ? -1 : Long.parseLong(v);
    }

    @Test
    void countersArePublishedUnderSysAndArePlausible() {
        pub.publishWith().topic("app/a").payload(bytes("1")).send();
        pub.publishWith()
                .topic("app/b")
                .qos(MqttQos.AT_LEAST_ONCE)
                .payload(bytes("2"))
                .send();
        pub.publishWith()
                .topic("app/c")
                .qos(MqttQos.EXACTLY_ONCE)
                .retain(true)
                .payload(bytes("3"))
                .send();

        // a publication after the three messages shows them all
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            assertEquals(3, value("clients/connected"), "sys, everything, pub");
            assertEquals(3, value("messages/received"), "client PUBLISHes only, not $SYS's own");
            assertEquals(3, value("subscriptions/count"), "$SYS/broker/#, # and +/broker/uptime");
            assertEquals(1, value("retained/count"), "app/c; the $SYS topics are not counted");
            assertEquals(1, value("messages/received/qos0"));
            assertEquals(1, value("messages/received/qos1"));
            assertEquals(1, value("messages/received/qos2"));
            assertEquals(3, value("publish/messages/received"));
            assertEquals(3, value("clients/maximum"));
            assertEquals(0, value("clients/disconnected"));
        });
        assertTrue(broker.broker().retained().size() > 1, "the $SYS topics are retained all the same");
        assertTrue(value("heap/current") > 0 && value("heap/current") <= value("heap/maximum"));
        for (String load : List.of("messages/received", "messages/sent", "bytes/received", "bytes/sent")) {
            for (String window : List.of("1min", "5min", "15min")) {
                String v = latest.get("$SYS/broker/load/" + load + "/" + window);
                assertTrue(v != null && Double.parseDouble(v) >= 0, load + "/" + window + " = " + v);
            }
        }
        long uptime = value("uptime");
        long aliveSeconds = Duration.ofNanos(System.nanoTime() - startedAtNanos).toSeconds();
        assertTrue(uptime >= 0 && uptime <= aliveSeconds + 1, "uptime " + uptime + " s, alive " + aliveSeconds + " s");
        assertTrue(value("messages/sent") >= 3, "at least the three app messages went out");
        assertTrue(value("bytes/received") > 0);

        await().atMost(Duration.ofSeconds(5)).until(() -> value("uptime") > uptime);
    }

    @Test
    void rootWildcardsDoNotReceiveSysTopics() {
        // retained/count is the last of a publication: the whole tree went past the wildcards
        await().atMost(Duration.ofSeconds(5)).until(() -> value("retained/count") >= 0);
        pub.publishWith()
                .topic("app/visible")
                .qos(MqttQos.AT_LEAST_ONCE)
                .payload(bytes("x"))
                .send();
        await().atMost(Duration.ofSeconds(5)).until(() -> seenByRootWildcards.contains("app/visible"));
        assertEquals(
                List.of("app/visible"),
                List.copyOf(seenByRootWildcards),
                "# and +/... do not match topics starting with $");
    }
}
