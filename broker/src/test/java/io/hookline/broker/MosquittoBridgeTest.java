package io.hookline.broker;

import static io.hookline.broker.testsupport.Clients.bytes;
import static io.hookline.broker.testsupport.Clients.text;
import static io.hookline.broker.testsupport.Clients.v5Connected;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt3.message.publish.Mqtt3Publish;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.hookline.broker.session.Session;
import io.hookline.broker.testsupport.Executables;
import io.hookline.broker.testsupport.TestBroker;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15 item 6: a real Mosquitto (Debian's {@code mosquitto}) bridged to Hookline with its
 * defaults ({@code try_private true}: CONNECT protocol level 0x84) connects, and messages and
 * retained messages flow both ways, each delivered once: Hookline does not send the bridge its
 * own messages back (no-local) and keeps their retain flag (retain-as-published). Its bridge
 * notifications go to a topic outside {@code $SYS}, which Hookline reserves for itself. Skipped,
 * saying so, where mosquitto is not installed ({@code .ci/run} installs it).
 */
class MosquittoBridgeTest {

    private static final String BRIDGE_ID = "mosquitto-bridge";
    private static Path mosquitto;

    @TempDir
    Path dir;

    private TestBroker hookline;
    private Process process;
    private int mosquittoPort;
    private Mqtt5BlockingClient onHookline;
    private Mqtt3BlockingClient onMosquitto;

    @BeforeAll
    static void requireMosquitto() {
        Optional<Path> found = Executables.find("mosquitto");
        assumeTrue(
                found.isPresent(),
                "mosquitto not installed (apt-get install mosquitto): no mosquitto binary on PATH or in /usr/sbin");
        mosquitto = found.get();
    }

    @BeforeEach
    void startBridge() throws Exception {
        hookline = TestBroker.start();
        try (ServerSocket free = new ServerSocket(0)) {
            mosquittoPort = free.getLocalPort();
        }
        Path conf = dir.resolve("mosquitto.conf");
        Files.writeString(
                conf,
                String.join(
                        "\n",
                        "listener " + mosquittoPort + " 127.0.0.1",
                        "allow_anonymous true",
                        "persistence false",
                        "log_dest stdout",
                        "connection hookline",
                        "address 127.0.0.1:" + hookline.port(),
                        "clientid " + BRIDGE_ID,
                        "topic br/# both 1",
                        // Mosquitto's default notification topic is $SYS/broker/connection/<name>/state (a will
                        // and a retained message), and $SYS is the broker's own: Hookline refuses both there
                        "notification_topic bridges/hookline/state",
                        "restart_timeout 1",
                        ""));
        process = new ProcessBuilder(mosquitto.toString(), "-c", conf.toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("mosquitto.log").toFile())
                .start();
        await().atMost(Duration.ofSeconds(15)).until(() -> {
            if (!process.isAlive()) {
                fail("mosquitto exited: " + log());
            }
            Session s = hookline.broker().sessions().get(BRIDGE_ID);
            return s != null && s.isOnline() && !s.subscriptions().isEmpty();
        });
        onHookline = v5Connected(hookline, "on-hookline");
        onMosquitto = MqttClient.builder()
                .useMqttVersion3()
                .identifier("on-mosquitto")
                .serverHost("127.0.0.1")
                .serverPort(mosquittoPort)
                .buildBlocking();
        onMosquitto.connect();
    }

    private String log() {
        try {
            return Files.readString(dir.resolve("mosquitto.log"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no mosquitto log: " + e + ")";
        }
    }

    @AfterEach
    void stop() {
        try {
            if (onMosquitto != null && onMosquitto.getState().isConnected()) {
                onMosquitto.disconnect();
            }
            if (onHookline != null && onHookline.getState().isConnected()) {
                onHookline.disconnect();
            }
        } finally {
            if (process != null) {
                process.destroy();
            }
            hookline.close();
        }
    }

    @Test
    void bridgeConnectsAsABridge() {
        assertTrue(hookline.broker().sessions().get(BRIDGE_ID).isOnline(), log());
        assertFalse(log().contains("Connection Refused"), log());
    }

    @Test
    void messagesFlowBothWaysAndEachArrivesOnce() throws Exception {
        try (Mqtt5BlockingClient.Mqtt5Publishes hooklineInbox = onHookline.publishes(MqttGlobalPublishFilter.ALL);
                Mqtt3BlockingClient.Mqtt3Publishes mosquittoInbox =
                        onMosquitto.publishes(MqttGlobalPublishFilter.ALL)) {
            onHookline
                    .subscribeWith()
                    .topicFilter("br/#")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .send();
            onMosquitto
                    .subscribeWith()
                    .topicFilter("br/#")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .send();

            onMosquitto
                    .publishWith()
                    .topic("br/from-mosquitto")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload(bytes("m1"))
                    .send();
            assertReceivedOnce(hooklineInbox, "br/from-mosquitto", "m1");
            assertReceivedOnce(mosquittoInbox, "br/from-mosquitto", "m1");

            onHookline
                    .publishWith()
                    .topic("br/from-hookline")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload(bytes("h1"))
                    .send();
            assertReceivedOnce(mosquittoInbox, "br/from-hookline", "h1");
            assertReceivedOnce(hooklineInbox, "br/from-hookline", "h1");
        }
    }

    @Test
    void retainedMessagesStayRetainedAcrossTheBridge() throws Exception {
        onHookline
                .publishWith()
                .topic("br/state/hookline")
                .qos(MqttQos.AT_LEAST_ONCE)
                .retain(true)
                .payload(bytes("on"))
                .send();
        onMosquitto
                .publishWith()
                .topic("br/state/mosquitto")
                .qos(MqttQos.AT_LEAST_ONCE)
                .retain(true)
                .payload(bytes("off"))
                .send();
        List<String> retained = new CopyOnWriteArrayList<>();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            retained.clear();
            hookline.broker().retained().matching("br/#", System.currentTimeMillis(), m -> retained.add(m.topic()));
            assertEquals(2, retained.size(), () -> "retained in Hookline: " + retained + "\n" + log());
        });

        Mqtt3BlockingClient late = MqttClient.builder()
                .useMqttVersion3()
                .identifier("late")
                .serverHost("127.0.0.1")
                .serverPort(mosquittoPort)
                .buildBlocking();
        late.connect();
        try (Mqtt3BlockingClient.Mqtt3Publishes inbox = late.publishes(MqttGlobalPublishFilter.ALL)) {
            late.subscribeWith()
                    .topicFilter("br/state/hookline")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .send();
            Optional<Mqtt3Publish> got = inbox.receive(10, TimeUnit.SECONDS);
            assertTrue(got.isPresent(), "Hookline's retained message is retained in Mosquitto too");
            assertTrue(got.get().isRetain());
            assertEquals("on", text(got.get().getPayloadAsBytes()));
        } finally {
            late.disconnect();
        }
    }

    private static void assertReceivedOnce(Mqtt5BlockingClient.Mqtt5Publishes inbox, String topic, String payload)
            throws InterruptedException {
        Optional<Mqtt5Publish> got = inbox.receive(10, TimeUnit.SECONDS);
        assertTrue(got.isPresent(), "nothing arrived on " + topic);
        assertEquals(topic, got.get().getTopic().toString());
        assertEquals(payload, text(got.get().getPayloadAsBytes()));
        assertFalse(inbox.receive(500, TimeUnit.MILLISECONDS).isPresent(), "a second copy of " + topic);
    }

    private static void assertReceivedOnce(Mqtt3BlockingClient.Mqtt3Publishes inbox, String topic, String payload)
            throws InterruptedException {
        Optional<Mqtt3Publish> got = inbox.receive(10, TimeUnit.SECONDS);
        assertTrue(got.isPresent(), "nothing arrived on " + topic);
        assertEquals(topic, got.get().getTopic().toString());
        assertEquals(payload, text(got.get().getPayloadAsBytes()));
        assertFalse(inbox.receive(500, TimeUnit.MILLISECONDS).isPresent(), "a second copy of " + topic);
    }
}
