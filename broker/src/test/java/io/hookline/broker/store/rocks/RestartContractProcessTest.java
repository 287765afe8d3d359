package io.hookline.broker.store.rocks;

import static io.hookline.broker.testsupport.Clients.v5;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.hookline.broker.testsupport.BrokerProcess;
import io.hookline.broker.testsupport.BrokerProcesses;
import io.hookline.broker.testsupport.PersistentSessions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.awaitility.core.ConditionTimeoutException;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What a restart owes the clients, against real broker processes stopped both ways (SIGKILL
 * and SIGTERM) mid-stream and started again on the same data_dir: every QoS 2 message whose
 * publisher got PUBCOMP arrives exactly once and in publisher order, to a session that was
 * offline and to one that was online through the stop (a client keeping its own session state);
 * what was in flight to an online session that never acknowledged it is resent first, with DUP;
 * the wall-clock timers (message expiry, retained message expiry, session expiry, will delay)
 * count on while no broker runs, and wills with their v5 properties come out after the restart.
 * {@link CrashRecoveryProcessTest} covers QoS 1 at least once, the lock and a will without delay.
 */
class RestartContractProcessTest {

    /** How the first broker goes away. */
    enum Stop {
        KILL,
        TERM
    }

    private static final int WINDOW = 10;
    private static final int PUBLISHERS = 3;

    @TempDir
    Path tmp;

    @RegisterExtension
    final BrokerProcesses processes = new BrokerProcesses();

    private final List<AutoCloseable> clients = new ArrayList<>();

    @AfterEach
    void cleanUp() throws Exception {
        for (AutoCloseable c : clients) {
            try {
                c.close();
            } catch (Exception ignored) {
                // the broker may be gone already: nothing left to close
            }
        }
    }

    private static String[] config() {
        return new String[] {
            "persistence", "on",
            "max_offline_messages", "-1",
            "max_online_messages", "-1",
            "max_inflight_messages", String.valueOf(WINDOW),
            "queue_high_watermark", "0", // a subscriber that never acknowledges must not hold the publishers
            "retry_interval", "1h", // MQTT 3.1.1: no resend on the same connection during the test
        };
    }

    private BrokerProcess start() throws Exception {
        return processes.start(tmp, CrashRecoveryProcessTest.JVM, config());
    }

    private static String output(BrokerProcess p) {
        return String.join("\n", p.output());
    }

    private static void stop(BrokerProcess b, Stop how) throws InterruptedException {
        if (how == Stop.KILL) {
            b.close(); // SIGKILL
        } else {
            assertEquals(0, b.stop(), "SIGTERM: a clean stop exits 0 (Main handles the signal)");
        }
    }

    /** A client with a persistent session (expiry in seconds) that records what it receives, with the time. */
    private Mqtt5AsyncClient listen(BrokerProcess b, String id, long expiry, List<Received> into, boolean present)
            throws Exception {
        Mqtt5AsyncClient c = PersistentSessions.listen(
                v5(b, id), expiry, p -> into.add(new Received(p, System.currentTimeMillis())), present);
        clients.add(() -> c.disconnect().get(5, TimeUnit.SECONDS));
        return c;
    }

    /** A new persistent session (one hour) subscribed to {@code filters} at {@code qos}, left offline. */
    private void subscribeAndLeave(BrokerProcess b, String id, MqttQos qos, String... filters) throws Exception {
        Mqtt5AsyncClient c = listen(b, id, 3600, new CopyOnWriteArrayList<>(), false);
        for (String filter : filters) {
            c.subscribeWith().topicFilter(filter).qos(qos).send().get(30, TimeUnit.SECONDS);
        }
        c.disconnect().get(30, TimeUnit.SECONDS);
    }

    private record Received(Mqtt5Publish publish, long atMillis) {
        String text() {
            return new String(publish.getPayloadAsBytes(), StandardCharsets.UTF_8);
        }
    }

    private static List<String> texts(List<Received> received) {
        return received.stream().map(Received::text).toList();
    }

    // ---- QoS 2 exactly once, in-flight resent with DUP ----------------------------------

    /**
     * Paho (MQTT 3.1.1) subscriber with a persistent session: records each payload with its DUP
     * flag. With manual acks it never acknowledges. Paho keeps its own session state (QoS 2 ids
     * awaiting PUBREL) in the client object, so connecting the same object again, to the new
     * broker's port, keeps exactly once on the client's side too.
     */
    private static org.eclipse.paho.client.mqttv3.MqttClient paho(
            BrokerProcess b, String id, boolean neverAck, List<String> into, boolean present) throws Exception {
        var c = new org.eclipse.paho.client.mqttv3.MqttClient(
                "tcp://127.0.0.1:" + b.mqttPort(), id, new MemoryPersistence());
        c.setManualAcks(neverAck);
        c.setCallback(new MqttCallback() {
            @Override
            public void connectionLost(Throwable cause) {}

            @Override
            public void messageArrived(String topic, MqttMessage message) {
                into.add((message.isDuplicate() ? "DUP " : "")
                        + new String(message.getPayload(), StandardCharsets.UTF_8));
            }

            @Override
            public void deliveryComplete(IMqttDeliveryToken token) {}
        });
        connect(c, b, present);
        return c;
    }

    private static void connect(org.eclipse.paho.client.mqttv3.MqttClient c, BrokerProcess b, boolean present)
            throws Exception {
        MqttConnectOptions options = new MqttConnectOptions();
        options.setCleanSession(false);
        options.setAutomaticReconnect(false);
        options.setServerURIs(new String[] {"tcp://127.0.0.1:" + b.mqttPort()});
        assertEquals(present, c.connectWithResult(options).getSessionPresent(), c.getClientId() + ": session present");
    }

    /**
     * Publishes p-0, p-1, ... at QoS 2 until the broker goes; records the index of each completed
     * one. Paho's synchronous publish returns once the flow is complete, on PUBCOMP. Paho 1.2.5
     * wakes it on the receiver thread but frees the in-flight slot later, on its callback thread:
     * on a busy machine that thread falls behind a publisher that publishes again at once, and at
     * the default max inflight (10) Paho refuses a publish with 32202 "Too many publishes in
     * progress" while one message is really out. A client-side count, so the limit is raised.
     */
    private Thread qos2Publisher(BrokerProcess b, String prefix, List<Integer> completed, Map<String, String> ended)
            throws Exception {
        var c = new org.eclipse.paho.client.mqttv3.MqttClient(
                "tcp://127.0.0.1:" + b.mqttPort(), "pub-" + prefix, new MemoryPersistence());
        MqttConnectOptions options = new MqttConnectOptions(); // clean session, as connect() has it
        options.setMaxInflight(1000);
        c.connect(options);
        clients.add(c::close); // after the stop: the connection is gone by then
        Thread t = new Thread(
                () -> {
                    for (int i = 0; ; i++) {
                        try {
                            c.publish("x/" + prefix, (prefix + "-" + i).getBytes(StandardCharsets.UTF_8), 2, false);
                            completed.add(i);
                        } catch (MqttException gone) {
                            ended.put(prefix, gone.toString()); // the broker went away (told if it was early)
                            return;
                        }
                    }
                },
                "qos2-publisher-" + prefix);
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** The indices of publisher {@code prefix}'s messages in {@code payloads}, in arrival order. */
    private static List<Integer> indices(List<String> payloads, String prefix) {
        List<Integer> out = new ArrayList<>();
        for (String s : payloads) {
            String p = s.startsWith("DUP ") ? s.substring(4) : s;
            if (p.startsWith(prefix + "-")) {
                out.add(Integer.parseInt(p.substring(prefix.length() + 1)));
            }
        }
        return out;
    }

    private static void assertExactlyOnceInOrder(List<Integer> got, List<Integer> completed, String what) {
        assertTrue(
                got.containsAll(completed),
                what + ": every completed QoS 2 message arrives; got " + got + ", completed " + completed);
        assertEquals(new HashSet<>(got).size(), got.size(), what + ": none twice: " + got);
        for (int i = 1; i < got.size(); i++) {
            assertTrue(got.get(i) > got.get(i - 1), what + ": publisher order at " + i + ": " + got);
        }
    }

    @ParameterizedTest
    @EnumSource(Stop.class)
    @Timeout(value = 4, unit = TimeUnit.MINUTES) // two broker processes on a busy machine
    void qos2ArrivesExactlyOnceAndWhatWasInFlightIsResentWithDup(Stop how) throws Exception {
        BrokerProcess first = start();
        subscribeAndLeave(first, "offline", MqttQos.EXACTLY_ONCE, "x/#");
        List<String> steadyGot = new CopyOnWriteArrayList<>();
        var steady = paho(first, "steady", false, steadyGot, false); // online through the stop, QoS 2
        steady.subscribe("x/#", 2);
        List<String> held = new CopyOnWriteArrayList<>();
        var hoarder =
                paho(first, "hoarder", true, held, false); // online, QoS 1: takes WINDOW messages, never acknowledges
        hoarder.subscribe("x/#", 1);

        Map<String, List<Integer>> completed = new ConcurrentHashMap<>();
        Map<String, String> ended = new ConcurrentHashMap<>();
        List<Thread> publishers = new ArrayList<>();
        for (int p = 0; p < PUBLISHERS; p++) {
            List<Integer> done = new CopyOnWriteArrayList<>();
            completed.put("p" + p, done);
            publishers.add(qos2Publisher(first, "p" + p, done, ended));
        }
        try {
            await().atMost(Duration.ofSeconds(120))
                    .until(
                            () -> held.size() + " held, "
                                    + completed.values().stream()
                                            .map(List::size)
                                            .toList() + " completed"
                                    + (ended.isEmpty() ? "" : ", publishers ended: " + ended),
                            state -> held.size() == WINDOW
                                    && completed.values().stream().allMatch(c -> c.size() >= 50));
        } catch (ConditionTimeoutException e) {
            List<String> out = first.output();
            throw new AssertionError(
                    e.getMessage() + "\nthe broker's last lines:\n"
                            + String.join("\n", out.subList(Math.max(0, out.size() - 40), out.size())),
                    e);
        }
        stop(first, how); // mid-stream: the publishers are still sending
        for (Thread t : publishers) {
            t.join(30_000);
            assertFalse(t.isAlive(), t.getName() + " saw the broker go");
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> !hoarder.isConnected() && !steady.isConnected());
        hoarder.close();
        assertEquals(WINDOW, held.size(), "the window stays full: " + held);
        assertTrue(held.stream().noneMatch(s -> s.startsWith("DUP ")), "first sends carry no DUP: " + held);

        BrokerProcess second = start();
        List<Received> offlineReceived = new CopyOnWriteArrayList<>();
        listen(second, "offline", 3600, offlineReceived, true);
        connect(steady, second, true);
        clients.add(() -> {
            steady.disconnect(1000);
            steady.close();
        });
        List<String> resumed = new CopyOnWriteArrayList<>();
        var again = paho(second, "hoarder", false, resumed, true); // a new client object on the old session
        clients.add(() -> {
            again.disconnect(1000);
            again.close();
        });

        await().atMost(Duration.ofSeconds(120))
                .until(() -> completed.entrySet().stream()
                        .allMatch(
                                e -> indices(texts(offlineReceived), e.getKey()).containsAll(e.getValue())
                                        && indices(steadyGot, e.getKey()).containsAll(e.getValue())
                                        && indices(resumed, e.getKey()).containsAll(e.getValue())));
        List<String> offlineGot = texts(offlineReceived);
        List<String> steadySnapshot = List.copyOf(steadyGot);
        for (var e : completed.entrySet()) {
            assertExactlyOnceInOrder(indices(offlineGot, e.getKey()), e.getValue(), "offline session, " + e.getKey());
            assertExactlyOnceInOrder(
                    indices(steadySnapshot, e.getKey()), e.getValue(), "online session, " + e.getKey());
        }
        // what was in flight to the hoarder: first, again, with DUP, in the same order; then the rest, once
        List<String> snapshot = List.copyOf(resumed);
        assertTrue(snapshot.size() >= WINDOW, snapshot.toString());
        assertEquals(
                held.stream().map(s -> "DUP " + s).toList(),
                snapshot.subList(0, WINDOW),
                "in flight when the broker stopped");
        List<String> rest = snapshot.subList(WINDOW, snapshot.size());
        assertTrue(
                rest.stream().noneMatch(s -> s.startsWith("DUP ") || held.contains(s)),
                "after the resends, each message once and for the first time: " + rest);
        for (var e : completed.entrySet()) {
            List<Integer> got = indices(snapshot, e.getKey());
            assertTrue(got.containsAll(e.getValue()), "QoS 1 subscriber, " + e.getKey() + ": every message");
            for (int i = 1; i < got.size(); i++) {
                assertTrue(got.get(i) > got.get(i - 1), "QoS 1 subscriber, " + e.getKey() + " order: " + got);
            }
        }
    }

    // ---- timers count on while no broker runs -------------------------------------------

    @ParameterizedTest
    @EnumSource(Stop.class)
    @Timeout(value = 4, unit = TimeUnit.MINUTES) // two broker processes on a busy machine
    void messageExpirySessionExpiryAndWillDelayCountOnWhileTheBrokerIsDown(Stop how) throws Exception {
        BrokerProcess first = start();
        subscribeAndLeave(first, "keeper", MqttQos.AT_LEAST_ONCE, "e/#", "will/#");
        Mqtt5AsyncClient shortLived = listen(first, "short-lived", 3, new CopyOnWriteArrayList<>(), false);
        shortLived
                .subscribeWith()
                .topicFilter("e/#")
                .qos(MqttQos.AT_LEAST_ONCE)
                .send()
                .get(30, TimeUnit.SECONDS);
        long shortLivedLeaving = System.currentTimeMillis(); // its 3 s start no sooner than this
        shortLived.disconnect().get(30, TimeUnit.SECONDS);

        Mqtt5BlockingClient pub = v5(first, "pub").toBlocking();
        pub.connect();
        pub.publishWith()
                .topic("e/short")
                .qos(MqttQos.AT_LEAST_ONCE)
                .messageExpiryInterval(2)
                .payload(utf8("short"))
                .send();
        pub.publishWith()
                .topic("e/long")
                .qos(MqttQos.AT_LEAST_ONCE)
                .messageExpiryInterval(600)
                .payload(utf8("long"))
                .send();
        pub.publishWith()
                .topic("e/none")
                .qos(MqttQos.AT_LEAST_ONCE)
                .payload(utf8("none"))
                .send();
        pub.publishWith()
                .topic("r/short")
                .qos(MqttQos.AT_LEAST_ONCE)
                .retain(true)
                .messageExpiryInterval(2)
                .payload(utf8("retained short"))
                .send();
        pub.publishWith()
                .topic("r/kept")
                .qos(MqttQos.AT_LEAST_ONCE)
                .retain(true)
                .payload(utf8("retained kept"))
                .send();
        long published = System.currentTimeMillis();
        pub.disconnect();

        // connected when the broker stops: one will at once, one after a 3 s delay (with v5 properties)
        Mqtt5BlockingClient willNow = v5(first, "will-now").toBlocking();
        willNow.connectWith()
                .cleanStart(true)
                .sessionExpiryInterval(60)
                .willPublish()
                .topic("will/now")
                .qos(MqttQos.AT_LEAST_ONCE)
                .payload(utf8("gone now"))
                .applyWillPublish()
                .send();
        Mqtt5BlockingClient willLater = v5(first, "will-later").toBlocking();
        willLater
                .connectWith()
                .cleanStart(true)
                .sessionExpiryInterval(60)
                .willPublish()
                .topic("will/later")
                .qos(MqttQos.AT_LEAST_ONCE)
                .payload(utf8("gone later"))
                .delayInterval(3)
                .contentType("text/plain")
                .userProperties()
                .add("why", "crash")
                .applyUserProperties()
                .applyWillPublish()
                .send();
        // CONNACK is not held for the session record's write (a kill right after it can lose the
        // session and its will); SUBACK is, and the store writes in order: once these are back,
        // both sessions and their wills are stored
        willNow.subscribeWith().topicFilter("none/now").send();
        willLater.subscribeWith().topicFilter("none/later").send();

        long stopping = System.currentTimeMillis();
        stop(first, how);
        boolean sessionOutlivedTheBroker = System.currentTimeMillis() < shortLivedLeaving + 3_000;
        // past the short expiries on the wall clock, with no broker running
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> System.currentTimeMillis() > Math.max(published + 2_500, shortLivedLeaving + 3_500));
        long restarting = System.currentTimeMillis();
        BrokerProcess second = start();
        if (sessionOutlivedTheBroker) { // else (a slow machine) it expired before the stop: also fine
            assertTrue(output(second).contains("1 expired while the broker was down"), output(second));
        }

        // session expiry: the 2 s session is gone, the other one is back
        Mqtt5BlockingClient gone = v5(second, "short-lived").toBlocking();
        assertFalse(
                gone.connectWith()
                        .cleanStart(false)
                        .sessionExpiryInterval(3)
                        .send()
                        .isSessionPresent(),
                "a session whose expiry passed while the broker was down");
        gone.disconnect();

        List<Received> got = new CopyOnWriteArrayList<>();
        listen(second, "keeper", 3600, got, true);
        // the queue keeps its order: "short" was first, so the first two tell whether it was dropped
        await().atMost(Duration.ofSeconds(30)).until(() -> texts(got).containsAll(List.of("long", "none")));
        List<String> queued =
                texts(got).stream().filter(s -> !s.startsWith("gone")).toList();
        assertEquals(List.of("long", "none"), queued, "the message that expired while the broker was down is dropped");
        Mqtt5Publish longLived = got.stream()
                .filter(r -> r.text().equals("long"))
                .findFirst()
                .orElseThrow()
                .publish();
        long downAtLeast = (restarting - published) / 1000;
        assertTrue(
                longLived.getMessageExpiryInterval().orElseThrow() <= 600 - downAtLeast,
                "the remaining expiry counts the " + downAtLeast + " s the message spent stored: "
                        + longLived.getMessageExpiryInterval());

        // wills: the immediate one, and the delayed one no sooner than its delay after the connection ended
        await().atMost(Duration.ofSeconds(60)).until(() -> texts(got).containsAll(List.of("gone now", "gone later")));
        Received later = got.stream()
                .filter(r -> r.text().equals("gone later"))
                .findFirst()
                .orElseThrow();
        long endedAt = how == Stop.KILL ? restarting : stopping; // a killed broker's clients end at recovery
        assertTrue(
                later.atMillis() >= endedAt + 3_000,
                "the will delay of 3 s was kept: arrived " + (later.atMillis() - endedAt)
                        + " ms after the connection ended");
        assertEquals(
                "text/plain", later.publish().getContentType().orElseThrow().toString());
        assertEquals(
                "why",
                later.publish().getUserProperties().asList().get(0).getName().toString());
        assertEquals(
                "crash",
                later.publish().getUserProperties().asList().get(0).getValue().toString());
        assertEquals(1, texts(got).stream().filter("gone now"::equals).count(), "one will, once: " + texts(got));

        // retained: the expired one is gone, the other is there (subscriptions are answered in order)
        List<Received> retained = new CopyOnWriteArrayList<>();
        Mqtt5AsyncClient late = listen(second, "late", 0, retained, false);
        late.subscribeWith().topicFilter("r/short").send().get(30, TimeUnit.SECONDS);
        late.subscribeWith().topicFilter("r/kept").send().get(30, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(30)).until(() -> texts(retained).contains("retained kept"));
        assertEquals(List.of("retained kept"), texts(retained), "an expired retained message is not sent");
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
