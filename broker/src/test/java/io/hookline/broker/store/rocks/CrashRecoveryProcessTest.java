package io.hookline.broker.store.rocks;

import static io.hookline.broker.testsupport.Clients.text;
import static io.hookline.broker.testsupport.Clients.v5;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;
import io.hookline.broker.testsupport.BrokerProcess;
import io.hookline.broker.testsupport.BrokerProcesses;
import io.hookline.broker.testsupport.PersistentSessions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The durability contract against a real broker process: QoS 1 and QoS 2 publishers count
 * their acknowledgements while a persistent subscriber is online and another is offline; the
 * broker is killed with SIGKILL mid-stream and started again on the same data_dir. Every
 * acknowledged message arrives (QoS 1 at least once, QoS 2 exactly once to the offline
 * subscriber, each publisher's order kept), the retained message is there, and a second broker
 * on the same data_dir refuses to start naming the lock.
 */
class CrashRecoveryProcessTest {

    @TempDir
    Path tmp;

    @RegisterExtension
    final BrokerProcesses processes = new BrokerProcesses();

    private String sync = "interval";

    /** Logging as bin/broker logs (tests run in the broker module's directory). */
    static final List<String> JVM = List.of(
            "-Xmx256m",
            "-Dlogback.configurationFile=" + Path.of("../conf/logback.xml").toAbsolutePath());

    private String[] config() {
        return new String[] {
            "persistence", "on",
            "persistence.sync", sync,
            "max_offline_messages", "-1",
            "max_online_messages", "-1",
        };
    }

    private BrokerProcess start() throws Exception {
        return processes.start(tmp, JVM, config());
    }

    private static String output(BrokerProcess p) {
        return String.join("\n", p.output());
    }

    /** A persistent session that records every payload it receives, in order. */
    private static Mqtt5AsyncClient listen(BrokerProcess b, String id, List<String> into, boolean expectPresent)
            throws Exception {
        return PersistentSessions.listen(v5(b, id), 3600, p -> into.add(text(p.getPayloadAsBytes())), expectPresent);
    }

    /** Publishes prefix-0, prefix-1, ... one after the other until the broker goes away; records the acknowledged. */
    private static Thread publisher(BrokerProcess b, String id, MqttQos qos, String prefix, List<Integer> acked) {
        Thread t = new Thread(
                () -> {
                    Mqtt5BlockingClient c = v5(b, id).toBlocking();
                    c.connect();
                    for (int i = 0; ; i++) {
                        try {
                            Mqtt5PublishResult r = c.publishWith()
                                    .topic("k/" + prefix)
                                    .qos(qos)
                                    .payload((prefix + "-" + i).getBytes(StandardCharsets.UTF_8))
                                    .send();
                            if (r.getError().isPresent()) {
                                return;
                            }
                            acked.add(i);
                        } catch (RuntimeException gone) {
                            return; // the broker was killed
                        }
                    }
                },
                "publisher-" + id);
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** Index of each payload of the publisher's prefix, in arrival order. */
    private static List<Integer> indices(List<String> received, String prefix) {
        List<Integer> out = new ArrayList<>();
        for (String s : received) {
            if (s.startsWith(prefix + "-")) {
                out.add(Integer.parseInt(s.substring(prefix.length() + 1)));
            }
        }
        return out;
    }

    @ParameterizedTest(name = "persistence.sync = {0}")
    @ValueSource(strings = {"interval", "always"})
    void everyAcknowledgedMessageSurvivesAKillNine(String syncPolicy) throws Exception {
        sync = syncPolicy;
        BrokerProcess first = start();
        Mqtt5BlockingClient off = v5(first, "offline-sub").toBlocking();
        off.connectWith().cleanStart(true).sessionExpiryInterval(3600).send();
        off.subscribeWith().topicFilter("k/#").qos(MqttQos.EXACTLY_ONCE).send();
        off.disconnect();
        List<String> onlineBefore = new CopyOnWriteArrayList<>();
        Mqtt5AsyncClient on = listen(first, "online-sub", onlineBefore, false);
        on.subscribeWith().topicFilter("k/#").qos(MqttQos.AT_LEAST_ONCE).send().get(30, TimeUnit.SECONDS);
        Mqtt5BlockingClient retainer = v5(first, "retainer").toBlocking();
        retainer.connect();
        retainer.publishWith()
                .topic("ret/x")
                .qos(MqttQos.AT_LEAST_ONCE)
                .retain(true)
                .payload("kept".getBytes(StandardCharsets.UTF_8))
                .send();

        List<Integer> acked1 = new CopyOnWriteArrayList<>();
        List<Integer> acked2 = new CopyOnWriteArrayList<>();
        Thread p1 = publisher(first, "pub1", MqttQos.AT_LEAST_ONCE, "q1", acked1);
        Thread p2 = publisher(first, "pub2", MqttQos.EXACTLY_ONCE, "q2", acked2);
        await().atMost(Duration.ofSeconds(120)).until(() -> acked1.size() >= 300 && acked2.size() >= 100);
        first.close(); // SIGKILL mid-stream: the publishers are still sending
        p1.join(30_000);
        p2.join(30_000);
        assertTrue(!p1.isAlive() && !p2.isAlive(), "the publishers saw the broker go");
        on.disconnect();

        BrokerProcess second = start();
        assertTrue(second.awaitOutput("restored 2 sessions"), output(second));
        List<String> offline = new CopyOnWriteArrayList<>();
        Mqtt5AsyncClient offlineSub = listen(second, "offline-sub", offline, true);
        List<String> onlineAfter = new CopyOnWriteArrayList<>();
        listen(second, "online-sub", onlineAfter, true);

        await().atMost(Duration.ofSeconds(120))
                .until(() -> indices(offline, "q1").containsAll(acked1)
                        && indices(offline, "q2").containsAll(acked2));
        // QoS 1 at least once, QoS 2 exactly once, each publisher's order kept
        List<Integer> q1 = indices(offline, "q1");
        List<Integer> q2 = indices(offline, "q2");
        assertEquals(q2.size(), q2.stream().distinct().count(), "QoS 2 exactly once: " + q2);
        assertIncreasing(q1.stream().distinct().toList(), "q1 order");
        assertIncreasing(q2, "q2 order");

        List<String> online = new ArrayList<>(onlineBefore);
        await().atMost(Duration.ofSeconds(120)).until(() -> {
            List<String> all = new ArrayList<>(onlineBefore);
            all.addAll(onlineAfter);
            return indices(all, "q1").containsAll(acked1) && indices(all, "q2").containsAll(acked2);
        });
        online.addAll(onlineAfter);
        assertTrue(indices(online, "q2").containsAll(acked2), "the online subscriber got every QoS 2 message too");

        List<String> retained = new CopyOnWriteArrayList<>();
        Mqtt5AsyncClient late = v5(second, "late").toAsync();
        late.publishes(
                MqttGlobalPublishFilter.ALL,
                p -> retained.add(new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8)));
        late.connect().get(30, TimeUnit.SECONDS);
        late.subscribeWith().topicFilter("ret/#").send().get(30, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(30)).until(() -> retained.contains("kept"));
        late.disconnect();

        // one broker per data_dir
        BrokerProcess.Exit third = BrokerProcess.runToExit(tmp, JVM, List.of(), config());
        assertEquals(1, third.code(), third.text());
        String lock = tmp.resolve("data")
                .toAbsolutePath()
                .normalize()
                .resolve("store")
                .resolve("LOCK")
                .toString();
        assertTrue(
                third.text().contains("another broker is using the store")
                        && third.text().contains(lock),
                third.text());

        // a graceful restart (SIGTERM) keeps the same: messages queued for the offline session come back
        offlineSub.disconnect().get(30, TimeUnit.SECONDS);
        Mqtt5BlockingClient pub = v5(second, "pub3").toBlocking();
        pub.connect();
        for (int i = 0; i < 50; i++) {
            pub.publishWith()
                    .topic("k/q3")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload(("q3-" + i).getBytes(StandardCharsets.UTF_8))
                    .send();
        }
        pub.disconnect();
        assertEquals(0, second.stop(), "SIGTERM: a clean stop exits 0 (Main handles the signal)");
        BrokerProcess fourth = start();
        List<String> afterTerm = new CopyOnWriteArrayList<>();
        listen(fourth, "offline-sub", afterTerm, true);
        await().atMost(Duration.ofSeconds(60))
                .until(() -> indices(afterTerm, "q3").size() >= 50);
        assertEquals(java.util.stream.IntStream.range(0, 50).boxed().toList(), indices(afterTerm, "q3"));
        System.err.printf(
                "sync = %s: kill -9 after %d QoS 1 and %d QoS 2 acknowledged publishes%n",
                syncPolicy, acked1.size(), acked2.size());
    }

    @Test
    void theWillOfAClientConnectedWhenTheBrokerDiedIsPublishedAfterTheRestart() throws Exception {
        BrokerProcess first = start();
        Mqtt5BlockingClient watcher = v5(first, "watcher").toBlocking();
        watcher.connectWith().cleanStart(true).sessionExpiryInterval(3600).send();
        watcher.subscribeWith().topicFilter("will/#").qos(MqttQos.AT_LEAST_ONCE).send();
        watcher.disconnect();
        Mqtt5BlockingClient dying = v5(first, "dying").toBlocking();
        dying.connectWith()
                .cleanStart(true)
                .sessionExpiryInterval(3600)
                .willPublish()
                .topic("will/dying")
                .qos(MqttQos.AT_LEAST_ONCE)
                .payload("gone".getBytes(StandardCharsets.UTF_8))
                .applyWillPublish()
                .send();
        // CONNACK does not wait for the session's record to be stored; a SUBACK waits for its own
        // batch, which the single writer stores after the record
        dying.subscribeWith().topicFilter("d/#").qos(MqttQos.AT_LEAST_ONCE).send();
        first.close(); // SIGKILL

        BrokerProcess second = start();
        assertTrue(second.awaitOutput("1 wills sent"), output(second));
        List<String> got = new CopyOnWriteArrayList<>();
        listen(second, "watcher", got, true);
        await().atMost(Duration.ofSeconds(30)).until(() -> got.contains("gone"));
    }

    private static void assertIncreasing(List<Integer> values, String what) {
        for (int i = 1; i < values.size(); i++) {
            assertTrue(values.get(i) > values.get(i - 1), what + " at " + i + ": " + values);
        }
    }
}
