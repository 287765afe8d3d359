package io.hookline.broker.admin.cli;

import static io.hookline.broker.testsupport.Clients.v3Connected;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import io.hookline.broker.testsupport.AdminHttp;
import io.hookline.broker.testsupport.TestBroker;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
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
 * {@code bin/admin} run as a process against a running broker (the test class path stands in
 * for the built jars through {@code HOOKLINE_CLASSPATH}).
 */
class AdminScriptTest {
    /** Tests run in the broker module's directory. */
    private static final Path SCRIPT = Path.of("../bin/admin").toAbsolutePath().normalize();

    @TempDir
    Path dataDir;

    private TestBroker broker;
    private Mqtt3BlockingClient client;

    record Run(int exit, String out, String err) {}

    @BeforeEach
    void start() {
        broker = TestBroker.start(
                "listener.http.default", "127.0.0.1:0", "data_dir", dataDir.toString(), "plugins.example", "on");
        client = v3Connected(broker, "cli-client");
    }

    @AfterEach
    void stop() {
        if (client.getState().isConnected()) {
            client.disconnect();
        }
        broker.close();
    }

    private Run admin(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(SCRIPT.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("HOOKLINE_CLASSPATH", System.getProperty("java.class.path"));
        pb.environment().remove("HOOKLINE_API_KEY");
        Path out = Files.createTempFile(dataDir, "out", ".txt");
        Path err = Files.createTempFile(dataDir, "err", ".txt");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p = pb.start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("bin/admin did not end: " + cmd);
        }
        return new Run(
                p.exitValue(),
                Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }

    private String url() {
        return "http://127.0.0.1:" + broker.httpPort();
    }

    private Path config() throws IOException {
        Path conf = dataDir.resolve("broker.conf");
        Files.writeString(
                conf,
                "listener.http.default = 127.0.0.1:" + broker.httpPort() + "\n" + "data_dir = " + dataDir
                        + "   # the key is read from here\n");
        return conf;
    }

    @Test
    void sessionShowPrintsATableWithTheKeyFromDataDir() throws Exception {
        Run r = admin("--config", config().toString(), "session", "show", "--client_id", "--is_online");
        assertEquals(0, r.exit(), r.err());
        assertEquals("client_id   is_online\ncli-client  true\n", r.out());
    }

    @Test
    void clusterShowOnASingleBrokerIsRefusedSayingSo() throws Exception {
        String key = AdminHttp.adminKey(dataDir);
        Run r = admin("--url", url(), "--api-key", key, "cluster", "show");
        assertEquals(1, r.exit(), r.out());
        assertTrue(r.err().contains("not in a cluster (cluster = off)"), r.err());
    }

    @Test
    void clusterJoinAndLeaveOnASingleBrokerAreRefusedSayingSo() throws Exception {
        String key = AdminHttp.adminKey(dataDir);
        Run join = admin("--url", url(), "--api-key", key, "cluster", "join", "discovery-node=127.0.0.1:5701");
        assertEquals(1, join.exit(), join.out());
        assertTrue(join.err().contains("not in a cluster (cluster = off)"), join.err());
        Run leave = admin("--url", url(), "--api-key", key, "cluster", "leave", "node=x");
        assertEquals(1, leave.exit(), leave.out());
        assertTrue(leave.err().contains("not in a cluster (cluster = off)"), leave.err());
        Run redirect = admin(
                "--url", url(), "--api-key", key, "session", "disconnect", "client-id=cli-client", "--redirect=x");
        assertEquals(1, redirect.exit(), redirect.out());
        assertTrue(redirect.err().contains("--redirect needs a cluster"), redirect.err());
        assertTrue(client.getState().isConnected(), "refused: nothing done");
    }

    @Test
    void pluginShowAndJson() throws Exception {
        String key = AdminHttp.adminKey(dataDir);
        Run r = admin("--url", url(), "--api-key", key, "plugin", "show", "--hook=auth_on_publish");
        assertEquals(0, r.exit(), r.err());
        String[] lines = r.out().split("\n");
        assertTrue(lines[0].startsWith("hook             position  plugin   state    priority"), r.out());
        assertTrue(lines[1].startsWith("auth_on_publish  1         example  enabled"), r.out());

        Run json = admin("--url", url(), "--api-key", key, "--json", "listener", "show");
        assertEquals(0, json.exit(), json.err());
        assertTrue(json.out().startsWith("{\"type\":\"table\",\"table\":[{\"type\":\"tcp\""), json.out());
    }

    @Test
    void changingCommandsArePostedAndRefusalsExitOne() throws Exception {
        String key = AdminHttp.adminKey(dataDir);
        Run done = admin("--url", url(), "--api-key", key, "session", "disconnect", "client-id=cli-client");
        assertEquals(0, done.exit(), done.err());
        assertEquals("client 'cli-client' disconnected\n", done.out());

        Run unknown = admin("--url", url(), "--api-key", key, "sesion", "show");
        assertEquals(1, unknown.exit());
        assertTrue(
                unknown.err().startsWith("admin: unknown command 'sesion show'; did you mean: session show"),
                unknown.err());
        assertEquals("", unknown.out());

        Run missing = admin("--url", url(), "--api-key", key, "retain", "delete");
        assertEquals(1, missing.exit());
        assertEquals("admin: missing argument topic=.. (the exact topic)\n", missing.err());

        Run badKey = admin("--url", url(), "--api-key", "wrong", "session", "show");
        assertEquals(1, badKey.exit());
        assertEquals("admin: unknown API key\n", badKey.err());
    }

    @Test
    void unreachableBrokerExitsTwo() throws Exception {
        int free;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            free = s.getLocalPort();
        }
        Run r = admin("--url", "http://127.0.0.1:" + free, "--api-key", "k", "session", "show");
        assertEquals(2, r.exit());
        assertTrue(r.err().startsWith("admin: cannot reach the broker at http://127.0.0.1:" + free), r.err());
    }

    @Test
    void helpAtEveryLevelComesFromTheBrokersTree() throws Exception {
        String key = AdminHttp.adminKey(dataDir);
        Run all = admin("--url", url(), "--api-key", key, "--help");
        assertEquals(0, all.exit(), all.err());
        assertTrue(all.out().contains("  session show "), all.out());
        assertTrue(all.out().contains("  example refused "), "plugin commands are listed: " + all.out());
        Run one = admin("--url", url(), "--api-key", key, "session", "disconnect", "--help");
        assertEquals(0, one.exit(), one.err());
        assertTrue(
                one.out()
                        .replaceAll("\\s+", " ")
                        .startsWith("Usage: bin/admin session disconnect [--cleanup[=true|false]] [--redirect [=VALUE]]"
                                + " client-id=STRING"),
                one.out());
        assertTrue(one.out().contains("Changes state (HTTP POST)."), one.out());
    }

    @Test
    void ctrlCStopsTraceClientAndTheBrokerStopsTracing() throws Exception {
        String key = AdminHttp.adminKey(dataDir);
        Path out = Files.createTempFile(dataDir, "trace", ".txt");
        ProcessBuilder pb = new ProcessBuilder(
                SCRIPT.toString(), "--url", url(), "--api-key", key, "trace", "client", "client-id=cli-client");
        pb.environment().put("HOOKLINE_CLASSPATH", System.getProperty("java.class.path"));
        Process p = pb.redirectOutput(out.toFile())
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        try {
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> Files.readString(out).contains("tracing client"));
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> broker.broker().context().traces().traced("cli-client"));
            client.publishWith()
                    .topic("cli/t")
                    .payload("x".getBytes(StandardCharsets.UTF_8))
                    .send();
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> Files.readString(out).contains("in  PUBLISH topic=cli/t"));
            new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor();
            assertTrue(p.waitFor(10, TimeUnit.SECONDS), "Ctrl-C ends bin/admin");
            // the broker notices at its next heartbeat write at the latest
            await().atMost(Duration.ofSeconds(15))
                    .until(() -> !broker.broker().context().traces().traced("cli-client"));
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void traceClientStreamsUntilItEnds() throws Exception {
        String key = AdminHttp.adminKey(dataDir);
        Run r = admin("--url", url(), "--api-key", key, "trace", "client", "client-id=cli-client", "--seconds=1");
        assertEquals(0, r.exit(), r.err());
        assertEquals("tracing client 'cli-client' (connected)\n", r.out());
    }

    @Test
    void unknownCommandsGetNearMatchesOrTheListOfCommands() throws Exception {
        String key = AdminHttp.adminKey(dataDir);
        Run status = admin("--url", url(), "--api-key", key, "status");
        assertEquals(1, status.exit());
        assertTrue(
                status.err()
                        .startsWith(
                                "admin: unknown command 'status'; the commands start with: api-key, cluster, config,"),
                status.err());
        assertTrue(
                status.err().contains("session") && status.err().endsWith("(bin/admin --help lists them)\n"),
                status.err());
        Run near = admin("--url", url(), "--api-key", key, "listeners", "show");
        assertEquals(1, near.exit());
        assertTrue(
                near.err().startsWith("admin: unknown command 'listeners show'; did you mean: listener show"),
                near.err());
        Run help = admin("--url", url(), "--api-key", key, "retian", "--help");
        assertEquals(1, help.exit());
        assertTrue(help.err().startsWith("admin: unknown command 'retian'; did you mean: retain "), help.err());
    }

    @Test
    void aFlagValueMayFollowAsTheNextWord() throws Exception {
        String key = AdminHttp.adminKey(dataDir);
        client.publishWith()
                .topic("p/x")
                .retain(true)
                .qos(com.hivemq.client.mqtt.datatypes.MqttQos.AT_LEAST_ONCE)
                .payload("kept".getBytes(StandardCharsets.UTF_8))
                .send();
        client.publishWith()
                .topic("q/x")
                .retain(true)
                .qos(com.hivemq.client.mqtt.datatypes.MqttQos.AT_LEAST_ONCE)
                .payload("other".getBytes(StandardCharsets.UTF_8))
                .send();
        Run spaced = admin("--url", url(), "--api-key", key, "retain", "show", "--topic", "p/#");
        assertEquals(0, spaced.exit(), spaced.err());
        Run joined = admin("--url", url(), "--api-key", key, "retain", "show", "--topic=p/#");
        assertEquals(0, joined.exit(), joined.err());
        assertEquals(joined.out(), spaced.out());
        assertTrue(
                spaced.out().contains("p/x")
                        && spaced.out().contains("kept")
                        && !spaced.out().contains("q/x"),
                spaced.out());
    }

    @Test
    void publishAndDirectMessagesFromTheCli() throws Exception {
        String key = AdminHttp.adminKey(dataDir);
        try (var publishes = client.publishes(com.hivemq.client.mqtt.MqttGlobalPublishFilter.ALL)) {
            client.subscribeWith().topicFilter("cli/#").send();
            Run pub = admin("--url", url(), "--api-key", key, "publish", "topic=cli/news", "payload=hello", "qos=1");
            assertEquals(0, pub.exit(), pub.err());
            assertEquals("published to 'cli/news' (QoS 1): 1 matching subscriber\n", pub.out());
            assertEquals(
                    "hello",
                    new String(
                            io.hookline.broker.testsupport.Receive.next(publishes)
                                    .getPayloadAsBytes(),
                            StandardCharsets.UTF_8));

            Run direct = admin(
                    "--url",
                    url(),
                    "--api-key",
                    key,
                    "publish",
                    "client_id=cli-client",
                    "topic=inbox",
                    "payload=just you");
            assertEquals(0, direct.exit(), direct.err());
            assertEquals("sent to online client 'cli-client' on 'inbox' (QoS 0)\n", direct.out());
            var got = io.hookline.broker.testsupport.Receive.next(publishes);
            assertEquals("inbox", got.getTopic().toString());

            Run nobody =
                    admin("--url", url(), "--api-key", key, "publish", "client_id=nobody", "topic=inbox", "payload=x");
            assertEquals(1, nobody.exit());
            assertEquals("admin: no session of client 'nobody': nothing was sent\n", nobody.err());
            Run bad = admin("--url", url(), "--api-key", key, "publish", "topic=a/#", "payload=x");
            assertEquals(1, bad.exit());
            assertEquals(
                    "admin: topic: 'a/#' is not a valid topic name (no wildcards, at most 65535 bytes)\n", bad.err());
        }
        Run help = admin("--url", url(), "--api-key", key, "publish", "--help");
        assertEquals(0, help.exit(), help.err());
        assertTrue(help.out().startsWith("Usage: bin/admin publish "), help.out());
    }
}
