package io.hookline.dist;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The archive {@code mvn package} makes, used as a user would: unpacked into a temporary
 * directory, started with its own {@code bin/broker} from ANOTHER directory, one publish and
 * subscribe through a real client, {@code bin/admin} against it, stopped with SIGTERM.
 * Runs in the integration-test phase (after package made the archive).
 */
class DistributionTest {

    private static final Pattern MQTT_PORT = Pattern.compile("MQTT listener 'default' on tcp \\S*:(\\d+)");
    private static final Pattern HTTP_PORT = Pattern.compile("HTTP listener 'default' on \\S*:(\\d+)");

    @TempDir
    Path install;

    @TempDir
    Path elsewhere; // the directory the broker is started from: nothing may land here

    private Path home;
    private Process broker;
    private Path log;

    @BeforeEach
    void unpack() throws Exception {
        Path archive = Path.of(System.getProperty("hookline.dist.archive"));
        assertTrue(Files.isRegularFile(archive), archive + " should have been made by mvn package");
        run(install, List.of("tar", "xzf", archive.toString(), "-C", install.toString()));
        home = install.resolve(System.getProperty("hookline.dist.dirname"));
    }

    @AfterEach
    void stop() throws Exception {
        if (broker != null && broker.isAlive()) {
            broker.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void archiveHoldsWhatTheReadmePromises() throws IOException {
        for (String file : List.of("bin/broker", "bin/admin")) {
            assertTrue(Files.isExecutable(home.resolve(file)), file + " is executable");
        }
        for (String file : List.of(
                "conf/broker.conf",
                "conf/logback.xml",
                "conf/acl.conf",
                "scripts/auth/postgres.lua",
                "dist/hookline.service",
                "dist/Dockerfile",
                "README.md")) {
            assertTrue(Files.isRegularFile(home.resolve(file)), file + " is in the archive");
        }
        assertTrue(Files.isDirectory(home.resolve("plugins")), "plugins/ for drop-in jars");
        for (String jar : List.of(
                "hookline-broker-",
                "hookline-plugin-api-",
                "hookline-plugin-acl-",
                "hookline-plugin-webhooks-",
                "hookline-plugin-lua-",
                "luaj-jse-",
                "okhttp-",
                "netty-codec-mqtt-")) {
            assertTrue(libJar(jar).isPresent(), "lib/ holds " + jar + "*.jar");
        }
        assertFalse(libJar("junit-").isPresent(), "no test libraries in lib/");
        assertFalse(libJar("hookline-broker-0.1.0-SNAPSHOT-tests").isPresent(), "no test jars in lib/");
    }

    @Test
    void startsFromAnotherDirectoryPublishesAndStops() throws Exception {
        // the bundled Lua plugin, with a script directory relative to the broker's home
        Path scripts = Files.createDirectories(home.resolve("scripts/dist-test"));
        Files.copy(home.resolve("scripts/examples/rewrite_topic.lua"), scripts.resolve("rewrite_topic.lua"));
        Files.writeString(
                elsewhere.resolve("test.conf"),
                String.join(
                        "\n",
                        "listener.tcp.default = 127.0.0.1:0",
                        "listener.http.default = 127.0.0.1:0",
                        "allow_anonymous = on",
                        "systree_interval = 0",
                        "plugins.lua = on",
                        "lua.script_dir = scripts/dist-test",
                        ""));
        log = elsewhere.resolve("broker.log");
        // a relative --config: relative to where bin/broker is started
        ProcessBuilder pb = new ProcessBuilder(home.resolve("bin/broker").toString(), "--config", "test.conf")
                .directory(elsewhere.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        withThisJava(pb.environment());
        broker = pb.start();
        int mqttPort = await().atMost(Duration.ofMinutes(2)).until(() -> port(MQTT_PORT), p -> p > 0);
        int httpPort = await().atMost(Duration.ofMinutes(1)).until(() -> port(HTTP_PORT), p -> p > 0);

        Mqtt5BlockingClient subscriber = client("dist-sub", null, mqttPort);
        Mqtt5BlockingClient publisher = client("dist-pub", "acme", mqttPort);
        try (Mqtt5BlockingClient.Mqtt5Publishes received =
                subscriber.publishes(com.hivemq.client.mqtt.MqttGlobalPublishFilter.ALL)) {
            subscriber
                    .subscribeWith()
                    .topicFilter("tenants/acme/#")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .send();
            publisher
                    .publishWith()
                    .topic("temp")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload("21.5".getBytes(StandardCharsets.UTF_8))
                    .send();
            Optional<Mqtt5Publish> got = received.receive(60, TimeUnit.SECONDS);
            assertTrue(got.isPresent(), "the subscriber got the message; broker log:\n" + Files.readString(log));
            // rewritten by scripts/dist-test/rewrite_topic.lua: the bundled plugin ran and the
            // relative lua.script_dir was found under the home, not under the working directory
            assertEquals("tenants/acme/temp", got.get().getTopic().toString());
            assertEquals("21.5", new String(got.get().getPayloadAsBytes(), StandardCharsets.UTF_8));
        } finally {
            publisher.disconnect();
        }

        // data_dir = data (the default) is HOME/data, not the working directory's
        assertTrue(Files.isRegularFile(home.resolve("data/admin.key")), "admin.key under the home");
        // persistence = on by default: the archive carries RocksDB and the store is under HOME/data
        assertTrue(Files.isRegularFile(home.resolve("data/store/CURRENT")), "the store under the home's data_dir");
        assertFalse(Files.exists(elsewhere.resolve("data")), "nothing written to the working directory");

        // bin/admin of the archive, from elsewhere too, finds the key in HOME/data
        ProcessBuilder admin = new ProcessBuilder(
                        home.resolve("bin/admin").toString(),
                        "--url",
                        "http://127.0.0.1:" + httpPort,
                        "--json",
                        "session",
                        "show")
                .directory(elsewhere.toFile())
                .redirectErrorStream(true);
        withThisJava(admin.environment());
        admin.environment().remove("HOOKLINE_API_KEY");
        String sessions = run(elsewhere, admin);
        assertTrue(sessions.contains("\"dist-sub\""), "bin/admin session show lists the subscriber: " + sessions);
        subscriber.disconnect();

        broker.destroy(); // SIGTERM, as systemd and docker stop send
        assertTrue(broker.waitFor(60, TimeUnit.SECONDS), "the broker stops on SIGTERM");
        String output = Files.readString(log);
        assertTrue(output.contains("stopping"), output);
        assertFalse(output.contains(" ERROR "), "no error logged:\n" + output);
        assertEquals(0, broker.exitValue(), "a clean stop after SIGTERM exits 0:\n" + output);
    }

    @Test
    void brokerScriptChoosesTheSerialCollectorOnTwoCpusUnlessJavaOptsNamesOne() throws Exception {
        boolean fewCpus = Integer.parseInt(run(elsewhere, List.of("nproc")).trim()) <= 2; // what the script asks
        String defaults = flags(null);
        assertEquals(fewCpus, defaults.contains("-XX:+UseSerialGC"), defaults);
        assertEquals(fewCpus, defaults.contains("-XX:MaxNewSize=33554432"), defaults);
        assertEquals(fewCpus, defaults.contains("-XX:NewSize=33554432"), defaults); // young fixed at its bound
        assertEquals(fewCpus, defaults.contains("-XX:MinHeapFreeRatio=20"), defaults);
        // another flag in JAVA_OPTS wins over the default it repeats
        assertTrue(flags("-XX:MaxHeapFreeRatio=70").contains("-XX:MaxHeapFreeRatio=70"));
        // a collector named in JAVA_OPTS replaces all of the defaults
        String g1 = flags("-XX:+UseG1GC");
        assertTrue(g1.contains("-XX:+UseG1GC"), g1);
        assertFalse(g1.contains("UseSerialGC") || g1.contains("NewSize") || g1.contains("MinHeapFreeRatio"), g1);
    }

    @Test
    void brokerScriptPrintsItsJvmDefaultsForTheBenchmarksToStartTheirBrokersWith() throws Exception {
        boolean fewCpus = Integer.parseInt(run(elsewhere, List.of("nproc")).trim()) <= 2;
        String cpus = run(elsewhere, List.of("nproc")).trim();
        List<String> defaults = jvmFlags(null);
        assertEquals(fewCpus, defaults.contains("-XX:+UseSerialGC"), defaults.toString());
        assertEquals(fewCpus, defaults.contains("-XX:MaxNewSize=32m"), defaults.toString());
        assertTrue(defaults.contains("-Dio.netty.allocator.numDirectArenas=" + cpus), defaults.toString());
        assertFalse(defaults.stream().anyMatch(f -> f.contains("OutOfMemory")), defaults.toString()); // defaults only
        // a collector named in JAVA_OPTS empties the collector part, as when the broker starts
        List<String> g1 = jvmFlags("-XX:+UseG1GC");
        assertFalse(g1.stream().anyMatch(f -> f.contains("SerialGC") || f.contains("NewSize")), g1.toString());
        assertTrue(g1.contains("-Dio.netty.allocator.numDirectArenas=" + cpus), g1.toString());
    }

    /** What {@code bin/broker --jvm-flags} prints, a flag per line, with {@code javaOpts} as JAVA_OPTS. */
    private List<String> jvmFlags(String javaOpts) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(home.resolve("bin/broker").toString(), "--jvm-flags");
        withThisJava(pb.environment());
        if (javaOpts != null) {
            pb.environment().put("JAVA_OPTS", javaOpts);
        }
        return run(elsewhere, pb).lines().toList();
    }

    @Test
    void brokerScriptGivesNettyOneDirectArenaPerCpuUnlessJavaOptsSetsIt() throws Exception {
        String cpus = run(elsewhere, List.of("nproc")).trim(); // one event loop per CPU
        String props = output("-XshowSettings:properties");
        assertTrue(props.contains("io.netty.allocator.numDirectArenas = " + cpus), props);
        String own = output("-XshowSettings:properties -Dio.netty.allocator.numDirectArenas=7");
        assertTrue(own.contains("io.netty.allocator.numDirectArenas = 7"), own); // the later -D wins
    }

    @Test
    void brokerScriptTrimsTheNativeHeapWhereTheJvmKnowsHowUnlessJavaOptsSaysOtherwise() throws Exception {
        Runtime.Version v = Runtime.version(); // withThisJava: bin/broker runs this JVM
        boolean known = v.feature() >= 22 || (v.feature() == 17 && v.update() >= 15);
        String defaults = flags(null);
        assertEquals(known, defaults.contains("-XX:TrimNativeHeapInterval=1000"), defaults);
        // whatever the collector: this is glibc's memory, not the heap's
        assertEquals(known, flags("-XX:+UseG1GC").contains("-XX:TrimNativeHeapInterval=1000"));
        if (known) { // the later flag wins: JAVA_OPTS turns it off
            assertTrue(flags("-XX:TrimNativeHeapInterval=0").contains("-XX:TrimNativeHeapInterval=0"));
        }
    }

    /** The JVM flags bin/broker starts the JVM with (-XX:+PrintCommandLineFlags), with {@code javaOpts} added. */
    private String flags(String javaOpts) throws Exception {
        String out = output((javaOpts == null ? "" : javaOpts + " ") + "-XX:+PrintCommandLineFlags");
        return out.lines().filter(l -> l.startsWith("-XX:")).findFirst().orElseThrow(() -> new AssertionError(out));
    }

    /** What {@code bin/broker --version} prints (stdout and stderr) with {@code javaOpts} as JAVA_OPTS. */
    private String output(String javaOpts) throws Exception {
        ProcessBuilder pb =
                new ProcessBuilder(home.resolve("bin/broker").toString(), "--version").redirectErrorStream(true);
        withThisJava(pb.environment());
        pb.environment().put("JAVA_OPTS", javaOpts);
        return run(elsewhere, pb);
    }

    @Test
    void bothScriptsFindTheirHomeThroughASymlink() throws Exception {
        // as the README installs it: a symlink to the unpacked directory, and one to a script
        Path link = Files.createSymbolicLink(install.resolve("hookline"), home);
        Path bin = Files.createDirectories(elsewhere.resolve("bin"));
        Path broker = Files.createSymbolicLink(bin.resolve("hookline-broker"), link.resolve("bin/broker"));
        Path admin = Files.createSymbolicLink(bin.resolve("hookline-admin"), link.resolve("bin/admin"));
        ProcessBuilder version = new ProcessBuilder(broker.toString(), "--version").redirectErrorStream(true);
        withThisJava(version.environment());
        assertTrue(run(elsewhere, version).contains("Hookline "), "bin/broker --version through two links");
        // no broker behind port 1: the CLI (loaded from lib/) runs and says so, exit status 2
        ProcessBuilder help =
                new ProcessBuilder(admin.toString(), "--url", "http://127.0.0.1:1", "--help").redirectErrorStream(true);
        withThisJava(help.environment());
        help.environment().remove("HOOKLINE_API_KEY");
        Process p = help.directory(elsewhere.toFile()).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(2, TimeUnit.MINUTES));
        assertTrue(out.contains("cannot reach the broker at http://127.0.0.1:1"), out);
        assertEquals(2, p.exitValue(), "bin/admin: 2 = broker unreachable");
    }

    private static Mqtt5BlockingClient client(String id, String user, int port) {
        var builder = MqttClient.builder()
                .useMqttVersion5()
                .identifier(id)
                .serverHost("127.0.0.1")
                .serverPort(port);
        Mqtt5BlockingClient client = builder.buildBlocking();
        if (user == null) {
            client.connect();
        } else {
            client.connectWith().simpleAuth().username(user).applySimpleAuth().send();
        }
        return client;
    }

    private int port(Pattern pattern) throws IOException {
        if (!broker.isAlive()) {
            throw new AssertionError("bin/broker exited with " + broker.exitValue() + ":\n" + Files.readString(log));
        }
        Matcher m = pattern.matcher(Files.readString(log));
        return m.find() ? Integer.parseInt(m.group(1)) : -1;
    }

    private Optional<Path> libJar(String prefix) throws IOException {
        try (Stream<Path> jars = Files.list(home.resolve("lib"))) {
            return jars.filter(p -> p.getFileName().toString().startsWith(prefix))
                    .findFirst();
        }
    }

    /** bin/broker runs "java" from PATH: the JDK running this test, whatever the machine has first. */
    private static void withThisJava(Map<String, String> env) {
        Path javaBin = Path.of(System.getProperty("java.home"), "bin");
        env.put("PATH", javaBin + ":" + env.getOrDefault("PATH", "/usr/bin:/bin"));
        env.remove("JAVA_OPTS");
        env.remove("HOOKLINE_LOGBACK");
    }

    private static String run(Path dir, List<String> command) throws Exception {
        return run(dir, new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true));
    }

    private static String run(Path dir, ProcessBuilder pb) throws Exception {
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(2, TimeUnit.MINUTES), String.join(" ", pb.command()) + " should end");
        assertEquals(0, p.exitValue(), String.join(" ", pb.command()) + " in " + dir + ":\n" + out);
        return out;
    }
}
