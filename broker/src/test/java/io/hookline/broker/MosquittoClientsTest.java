package io.hookline.broker;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.hookline.broker.metrics.BrokerMetrics.Counter;
import io.hookline.broker.session.Session;
import io.hookline.broker.testsupport.TestBroker;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Debian's {@code mosquitto_pub}/{@code mosquitto_sub} against a test broker, for MQTT 3.1.1
 * and 5: QoS 0/1/2, retained messages and wills. Every process is bounded: {@code -W} makes
 * mosquitto_sub give up by itself, and each wait has a timeout.
 */
class MosquittoClientsTest {

    private static final String PUB = "mosquitto_pub";
    private static final String SUB = "mosquitto_sub";
    /** mosquitto_sub's -F format: retain flag, QoS, topic, payload. */
    private static final String FORMAT = "%r %q %t %p";

    private TestBroker broker;
    private final List<Process> processes = new ArrayList<>();

    @BeforeAll
    static void requireMosquittoClients() {
        assumeTrue(
                onPath(PUB) && onPath(SUB),
                "mosquitto-clients not installed (apt-get install mosquitto-clients): mosquitto_pub/mosquitto_sub not on PATH");
    }

    private static boolean onPath(String command) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, command))) {
                return true;
            }
        }
        return false;
    }

    @BeforeEach
    void start() {
        broker = TestBroker.start();
    }

    @AfterEach
    void stop() {
        processes.forEach(Process::destroyForcibly);
        broker.close();
    }

    private Process run(String... command) throws IOException {
        List<String> args = new ArrayList<>(List.of(command));
        args.addAll(1, List.of("-h", "127.0.0.1", "-p", String.valueOf(broker.port())));
        Process p = new ProcessBuilder(args).redirectErrorStream(true).start();
        processes.add(p);
        return p;
    }

    /** Starts mosquitto_sub for one message and waits until its subscription is in place. */
    private Process subscribeOne(String version, String clientId, String topic, int qos, String... extra)
            throws IOException {
        List<String> args = new ArrayList<>(List.of(
                SUB,
                "-V",
                version,
                "-i",
                clientId,
                "-t",
                topic,
                "-q",
                String.valueOf(qos),
                "-C",
                "1",
                "-W",
                "10",
                "-F",
                FORMAT));
        args.addAll(List.of(extra));
        Process p = run(args.toArray(String[]::new));
        awaitSubscribed(clientId, p);
        return p;
    }

    private void awaitSubscribed(String clientId, Process p) {
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            if (!p.isAlive()) {
                fail(clientId + " exited early: " + output(p));
            }
            Session s = broker.broker().sessions().get(clientId);
            return s != null && !s.subscriptions().isEmpty();
        });
    }

    private static String finish(Process p) throws Exception {
        if (!p.waitFor(15, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("process did not finish within 15 s: " + output(p));
        }
        String out = output(p);
        assertEquals(0, p.exitValue(), () -> "exit status, output: " + out);
        return out.trim();
    }

    private static String output(Process p) throws IOException {
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    @ParameterizedTest(name = "{0} QoS {1}")
    @CsvSource({"mqttv311,0", "mqttv311,1", "mqttv311,2", "mqttv5,0", "mqttv5,1", "mqttv5,2"})
    void publishAndSubscribeAtEachQos(String version, int qos) throws Exception {
        Process sub = subscribeOne(version, "sub", "mosq/" + qos, qos);
        finish(run(
                PUB, "-V", version, "-i", "pub", "-t", "mosq/" + qos, "-q", String.valueOf(qos), "-m", "hello " + qos));
        assertEquals("0 " + qos + " mosq/" + qos + " hello " + qos, finish(sub));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"mqttv311", "mqttv5"})
    void retainedMessageReachesALaterSubscriber(String version) throws Exception {
        finish(run(PUB, "-V", version, "-i", "pub", "-t", "mosq/state", "-q", "1", "-r", "-m", "on"));
        Process sub = run(
                SUB, "-V", version, "-i", "late", "-t", "mosq/state", "-q", "1", "-C", "1", "-W", "10", "-F", FORMAT);
        assertEquals("1 1 mosq/state on", finish(sub), "delivered with the retain flag");

        // an empty retained message clears it
        finish(run(PUB, "-V", version, "-i", "pub", "-t", "mosq/state", "-q", "1", "-r", "-n"));
        await().atMost(Duration.ofSeconds(5))
                .until(() -> broker.broker().retained().size() == 0);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"mqttv311", "mqttv5"})
    void willOfAKilledClientIsPublished(String version) throws Exception {
        Process watcher = subscribeOne(version, "watcher", "mosq/will", 1);
        Process doomed = run(
                SUB,
                "-V",
                version,
                "-i",
                "doomed",
                "-t",
                "mosq/other",
                "-W",
                "30",
                "--will-topic",
                "mosq/will",
                "--will-payload",
                "doomed is gone",
                "--will-qos",
                "1");
        awaitSubscribed("doomed", doomed);
        doomed.destroyForcibly(); // SIGKILL: the socket closes without DISCONNECT
        assertEquals("0 1 mosq/will doomed is gone", finish(watcher));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"mqttv311", "mqttv5"})
    void normalExitDoesNotPublishTheWill(String version) throws Exception {
        Process polite = run(
                SUB,
                "-V",
                version,
                "-i",
                "polite",
                "-t",
                "mosq/polite",
                "-C",
                "1",
                "-W",
                "10",
                "--will-topic",
                "mosq/will",
                "--will-payload",
                "should not be seen");
        awaitSubscribed("polite", polite);
        finish(run(PUB, "-V", version, "-i", "pub", "-t", "mosq/polite", "-m", "bye"));
        finish(polite); // exits after one message with a DISCONNECT
        await().atMost(Duration.ofSeconds(5))
                .until(() -> broker.broker().sessions().get("polite") == null);
        assertEquals(0, broker.broker().metrics().get(Counter.WILLS_PUBLISHED));
    }
}
