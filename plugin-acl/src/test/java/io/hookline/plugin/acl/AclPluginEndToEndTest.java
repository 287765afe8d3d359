package io.hookline.plugin.acl;

import static io.hookline.broker.testsupport.Acks.assertAccepted;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient.Mqtt5Publishes;
import io.hookline.broker.testsupport.Acks;
import io.hookline.broker.testsupport.Receive;
import io.hookline.broker.testsupport.TestBroker;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ACL plugin in a real broker ({@code plugins.acl = on}) with a password file written by the
 * real {@code mosquitto_passwd} (alice: $7$ PBKDF2-SHA512, bob: $6$ SHA512) and an ACL file,
 * exercised by HiveMQ MQTT clients. Skipped when {@code mosquitto_passwd} is not installed.
 */
class AclPluginEndToEndTest {
    private static final String ACL = """
            topic read public/#
            pattern readwrite devices/%c/#
            pattern read users/%u/inbox
            user alice
            topic readwrite alice/#
            topic deny alice/private/#
            """;

    @TempDir
    Path dir;

    private Path passwd;
    private Path acl;
    private TestBroker broker;
    private final List<AutoCloseable> open = new ArrayList<>();

    @BeforeEach
    void files() throws Exception {
        passwd = dir.resolve("passwd");
        acl = dir.resolve("acl.conf");
        mosquittoPasswd("-c", "-b", passwd.toString(), "alice", "wonderland");
        mosquittoPasswd("-H", "sha512", "-b", passwd.toString(), "bob", "builder");
        assertTrue(Files.readString(passwd).contains("alice:$7$"), "mosquitto_passwd writes $7$ by default");
        Files.writeString(acl, ACL);
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    private void start(String allowAnonymous) {
        broker = TestBroker.start(
                "plugins.acl",
                "on",
                "acl.password_file",
                passwd.toString(),
                "acl.acl_file",
                acl.toString(),
                "acl.reload_interval",
                "100ms",
                "allow_anonymous",
                allowAnonymous);
    }

    @Test
    void rightPasswordConnectsForBothHashFormats() {
        start("off");
        assertEquals(0, connectV3("c1", "alice", "wonderland"));
        assertEquals(0, connectV5("c2", "alice", "wonderland"));
        assertEquals(0, connectV3("c3", "bob", "builder"));
        assertEquals(0, connectV5("c4", "bob", "builder"));
    }

    @Test
    void wrongPasswordIsBadCredentials() {
        start("on");
        assertEquals(4, connectV3("c1", "alice", "queen-of-hearts"));
        assertEquals(0x86, connectV5("c2", "alice", "queen-of-hearts"));
    }

    @Test
    void unknownUserIsRefusedEvenWithAllowAnonymousOn() {
        start("on");
        assertEquals(4, connectV3("c1", "mallory", "whatever"), "3.1.1: bad user name or password");
        assertEquals(0x86, connectV5("c2", "mallory", "whatever"), "v5: bad user name or password");
        Mqtt3BlockingClient noPassword = MqttClient.builder()
                .useMqttVersion3()
                .identifier("c3")
                .serverHost("127.0.0.1")
                .serverPort(broker.port())
                .buildBlocking();
        assertEquals(
                4,
                Acks.connackV3(() -> noPassword
                        .connectWith()
                        .simpleAuth()
                        .username("alice")
                        .applySimpleAuth()
                        .send()),
                "a known user name without a password is refused too");
        Mqtt5BlockingClient passwordOnly = MqttClient.builder()
                .useMqttVersion5()
                .identifier("c4")
                .serverHost("127.0.0.1")
                .serverPort(broker.port())
                .buildBlocking();
        assertEquals(
                0x86,
                Acks.connack(() -> passwordOnly
                                .connectWith()
                                .simpleAuth()
                                .password(bytes("wonderland"))
                                .applySimpleAuth()
                                .send())
                        .getReasonCode()
                        .getCode(),
                "v5: a password alone vouches for nobody");
        assertEquals(0, connectV3("c5", null, null), "anonymous means no credentials: still let in");
        assertEquals(0, connectV5("c6", null, null));
        broker.close();
        start("off");
        assertEquals(4, connectV3("c7", "mallory", "whatever"));
        assertEquals(0x86, connectV5("c8", "mallory", "whatever"));
        assertEquals(5, connectV3("c9", null, null), "no credentials and no anonymous: not authorized");
        assertEquals(0x87, connectV5("c10", null, null));
    }

    @Test
    void wrongPasswordIsRefusedWithAllowAnonymousOnForPahoClientsToo() throws Exception {
        start("on");
        String uri = "tcp://127.0.0.1:" + broker.port();
        var v3 = new org.eclipse.paho.client.mqttv3.MqttClient(uri, "paho3", null);
        var o3 = new org.eclipse.paho.client.mqttv3.MqttConnectOptions();
        o3.setUserName("mallory");
        o3.setPassword("x".toCharArray());
        var e3 = org.junit.jupiter.api.Assertions.assertThrows(
                org.eclipse.paho.client.mqttv3.MqttException.class, () -> v3.connect(o3));
        assertEquals(4, e3.getReasonCode());
        v3.close();
        var v5 = new org.eclipse.paho.mqttv5.client.MqttClient(uri, "paho5", null);
        var o5 = new org.eclipse.paho.mqttv5.client.MqttConnectionOptions();
        o5.setUserName("alice");
        o5.setPassword(bytes("not-wonderland"));
        var e5 = org.junit.jupiter.api.Assertions.assertThrows(
                org.eclipse.paho.mqttv5.common.MqttException.class, () -> v5.connect(o5));
        assertEquals(0x86, e5.getReasonCode());
        v5.close();
    }

    @Test
    void userTopicRulesAndTheDenyRuleDecidePublishes() throws Exception {
        start("off");
        Mqtt5BlockingClient watcher = client("watcher", "alice", "wonderland");
        Mqtt5Publishes got = watcher.publishes(MqttGlobalPublishFilter.ALL);
        open.add(got);
        assertEquals(List.of(1), suback(watcher, "alice/notes"));

        Mqtt5BlockingClient alice = client("alice-pub", "alice", "wonderland");
        assertAccepted(puback(alice, "alice/notes"));
        assertEquals("alice/notes", Receive.next(got).getTopic().toString());
        assertEquals(0x87, puback(alice, "alice/private/diary"), "deny rule wins over alice/#");
        assertEquals(0x87, puback(alice, "bob/notes"), "no rule: every handler said next");
        assertEquals(0x87, puback(alice, "public/news"), "read-only for everyone");
        Mqtt5BlockingClient bob = client("bob-pub", "bob", "builder");
        assertEquals(0x87, puback(bob, "alice/notes"), "alice's rules are alice's");
        Receive.nothing(got); // nothing denied was delivered
    }

    @Test
    void patternsSubstituteClientIdAndUserName() {
        start("off");
        Mqtt5BlockingClient dev = client("dev1", "bob", "builder");
        assertAccepted(puback(dev, "devices/dev1/temp"));
        assertEquals(0x87, puback(dev, "devices/dev2/temp"));
        assertEquals(List.of(1, 0x87), suback(dev, "users/bob/inbox", "users/alice/inbox"));
        assertEquals(List.of(1, 0x87), suback(dev, "public/#", "alice/#"));
    }

    @Test
    void subscribeRulesAndTheDenyRuleDecidePerFilter() {
        start("off");
        Mqtt5BlockingClient alice = client("alice-sub", "alice", "wonderland");
        assertEquals(
                List.of(1, 1, 0x87, 0x87, 1, 0x87),
                suback(alice, "alice/notes", "public/#", "alice/private/x", "bob/#", "alice/#", "alice/private/#"),
                "alice/# overlaps the deny rule: granted (alice/private/... is kept from it per delivery);"
                        + " alice/private/# could receive nothing else: refused");
        Mqtt3BlockingClient alice3 = MqttClient.builder()
                .useMqttVersion3()
                .identifier("alice-v3")
                .serverHost("127.0.0.1")
                .serverPort(broker.port())
                .buildBlocking();
        alice3.connectWith()
                .simpleAuth()
                .username("alice")
                .password(bytes("wonderland"))
                .applySimpleAuth()
                .send();
        open.add(alice3::disconnect);
        assertEquals(List.of(1, 0x80), Acks.subackV3(alice3, 1, "alice/x", "bob/x"));
    }

    @Test
    void deniedPeerAddressIsRefusedEvenWithTheRightPassword() throws IOException {
        Files.writeString(acl, ACL + "peer deny 127.0.0.0/8\n");
        start("on");
        assertEquals(0x8A, connectV5("c1", "alice", "wonderland"));
        assertEquals(5, connectV3("c2", "alice", "wonderland"));
    }

    @Test
    void changedAclFileIsPickedUpAfterAReload() throws IOException {
        start("off");
        Mqtt5BlockingClient alice = client("alice-pub", "alice", "wonderland");
        assertEquals(0x87, puback(alice, "bob/notes"));
        Files.writeString(acl, ACL + "topic write bob/#\n");
        await().atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> puback(alice, "bob/notes") < 0x80);
        Files.writeString(acl, ACL + "peer deny 127.0.0.1/32\n");
        await().atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> connectV5("late", "alice", "wonderland") == 0x8A);
    }

    // ---- helpers ---------------------------------------------------------------------------

    private static void mosquittoPasswd(String... args) throws Exception {
        Path exe = Path.of("/usr/bin/mosquitto_passwd");
        assumeTrue(Files.isExecutable(exe), "mosquitto_passwd is not installed");
        List<String> cmd = new ArrayList<>();
        cmd.add(exe.toString());
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "mosquitto_passwd finished");
        assertEquals(0, p.exitValue(), () -> "mosquitto_passwd failed: " + output(p));
    }

    private static String output(Process p) {
        try {
            return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return e.toString();
        }
    }

    private Mqtt5BlockingClient client(String id, String user, String password) {
        Mqtt5BlockingClient c = MqttClient.builder()
                .useMqttVersion5()
                .identifier(id)
                .serverHost("127.0.0.1")
                .serverPort(broker.port())
                .buildBlocking();
        c.connectWith()
                .simpleAuth()
                .username(user)
                .password(bytes(password))
                .applySimpleAuth()
                .send();
        open.add(() -> {
            if (c.getState().isConnected()) {
                c.disconnect();
            }
        });
        return c;
    }

    /** @return the CONNACK return code; disconnects on success */
    private int connectV3(String id, String user, String password) {
        return Acks.connectV3(broker, id, user, password);
    }

    /** @return the CONNACK reason code; disconnects on success */
    private int connectV5(String id, String user, String password) {
        return Acks.connectV5(broker, id, user, password).getReasonCode().getCode();
    }

    private static int puback(Mqtt5BlockingClient c, String topic) {
        return Acks.puback(c, topic, "x");
    }

    /** @return the SUBACK codes, each filter asked at QoS 1 */
    private static List<Integer> suback(Mqtt5BlockingClient c, String... filters) {
        return Acks.suback(c, 1, filters);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
