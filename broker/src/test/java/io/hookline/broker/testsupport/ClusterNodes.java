package io.hookline.broker.testsupport;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Broker processes ({@link BrokerProcess}) that form one cluster on loopback: each node gets its
 * own directory, a free cluster.listen port, data_port 0 and the first node as its seed; small
 * failure and join timeouts (through the cluster.* keys) keep the tests fast. {@link #close()}
 * kills every node still running.
 *
 * <p>Also a JUnit 5 extension that kills the nodes and deletes their directory after the test,
 * so a test only starts what it needs:
 *
 * <pre>{@code
 * @RegisterExtension
 * final ClusterNodes cluster = new ClusterNodes();                // each test's own nodes
 * @RegisterExtension
 * static final ClusterNodes cluster = ClusterNodes.perClass();    // nodes the class's tests share
 * }</pre>
 *
 * Each test (or the class's {@code @BeforeAll}) still starts its nodes itself.
 */
public final class ClusterNodes implements AutoCloseable, AfterEachCallback, AfterAllCallback {

    /** JVM options of every node: logging as bin/broker logs (tests run in the broker module's directory). */
    public static final List<String> JVM = List.of(
            "-Xmx256m",
            "-Dlogback.configurationFile=" + Path.of("../conf/logback.xml").toAbsolutePath());

    private Path dir; // made at the first start when the extension owns it
    private final boolean ownDir;
    private final boolean perClass;
    private final List<BrokerProcess> nodes = new ArrayList<>();
    private final Map<BrokerProcess, Path> dirs = new ConcurrentHashMap<>();
    private final Map<BrokerProcess, String> listens = new ConcurrentHashMap<>();
    private String seed;

    /** Nodes in {@code dir} (the test's own, e.g. a {@code @TempDir}); the test closes them. */
    public ClusterNodes(Path dir) {
        this(dir, false, false);
    }

    /** As an extension on an instance field: each test's nodes, killed after it, in a temporary directory of their own. */
    public ClusterNodes() {
        this(null, true, false);
    }

    /** As an extension on a static field: nodes the class's tests share, killed after the last of them. */
    public static ClusterNodes perClass() {
        return new ClusterNodes(null, true, true);
    }

    private ClusterNodes(Path dir, boolean ownDir, boolean perClass) {
        this.dir = dir;
        this.ownDir = ownDir;
        this.perClass = perClass;
    }

    private Path dir() throws IOException {
        if (dir == null) {
            dir = Files.createTempDirectory("hookline-cluster-"); // its name makes the cluster's name unique
        }
        return dir;
    }

    /** Starts node {@code name} joining the first node started (none: it forms the cluster); {@code extra} config key/values. */
    public BrokerProcess start(String name, String... extra) throws IOException {
        return start(name, true, extra);
    }

    /** Starts node {@code name} with empty cluster.seeds: a cluster of its own, until it is told to join. */
    public BrokerProcess startAlone(String name, String... extra) throws IOException {
        return start(name, false, extra);
    }

    private BrokerProcess start(String name, boolean join, String... extra) throws IOException {
        Path home = dir().resolve(name);
        Files.createDirectories(home);
        String listen = "127.0.0.1:" + freePort();
        List<String> kv = new ArrayList<>(List.of(
                "cluster",
                "on",
                "cluster.name",
                "test-" + dir().getFileName(),
                "cluster.node_name",
                name,
                "cluster.listen",
                listen,
                "cluster.data_port",
                "0",
                "cluster.seeds",
                seed == null || !join ? "" : seed,
                "cluster.failure_timeout",
                "3s",
                "cluster.join_wait",
                "1s"));
        kv.addAll(List.of(extra));
        BrokerProcess p = BrokerProcess.start(home, JVM, kv.toArray(String[]::new));
        if (seed == null && join) {
            seed = listen;
        }
        listens.put(p, listen);
        nodes.add(p);
        dirs.put(p, home);
        return p;
    }

    /** The cluster.listen address of a node ({@code 127.0.0.1:PORT}). */
    public String listen(BrokerProcess node) {
        return listens.get(node);
    }

    /** The management API of a node, with its admin key. */
    public AdminHttp admin(BrokerProcess node) {
        return new AdminHttp(node.httpPort(), AdminHttp.adminKey(dirs.get(node).resolve("data")));
    }

    /** {@code cluster show} on {@code node}: its table. */
    public JsonNode show(BrokerProcess node) {
        AdminHttp.Answer a = admin(node).get("/api/v1/cluster/show");
        if (a.status() != 200) {
            throw new IllegalStateException("cluster show: " + a.status() + " " + a.body());
        }
        return a.json().path("table");
    }

    /** {@code cluster show} on {@code node}: its view of netsplits (in_netsplit, unreachable, refusing ...). */
    public JsonNode netsplit(BrokerProcess node) {
        AdminHttp.Answer a = admin(node).get("/api/v1/cluster/show");
        if (a.status() != 200) {
            throw new IllegalStateException("cluster show: " + a.status() + " " + a.body());
        }
        return a.json().path("netsplit");
    }

    /** The node names {@code cluster show} on {@code node} lists as running. */
    public List<String> running(BrokerProcess node) {
        List<String> names = new ArrayList<>();
        for (JsonNode row : show(node)) {
            if (row.path("running").asBoolean()) {
                names.add(row.path("node").asText());
            }
        }
        return names;
    }

    /** What a {@code bin/admin} run printed (stdout and stderr together) and its exit code. */
    public record Admin(int exit, String out) {}

    /** Runs the real {@code bin/admin} against {@code node}'s management API with its key. */
    public Admin binAdmin(BrokerProcess node, String... words) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of("../bin/admin").toAbsolutePath().normalize().toString(),
                "--url",
                "http://127.0.0.1:" + node.httpPort(),
                "--api-key",
                admin(node).key()));
        cmd.addAll(List.of(words));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("HOOKLINE_CLASSPATH", System.getProperty("java.class.path"));
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("bin/admin did not end: " + cmd);
        }
        return new Admin(p.exitValue(), out);
    }

    /**
     * The sum of the /metrics samples of {@code name} on {@code node}, whatever their labels (a
     * node label or none); 0 when there is none.
     */
    public static double metric(BrokerProcess node, String name) {
        String body = Survival.get(node.httpPort(), "/metrics").body();
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "(\\{[^}]*\\})? (\\S+)$")
                .matcher(body);
        double sum = 0;
        while (m.find()) {
            sum += Double.parseDouble(m.group(2));
        }
        return sum;
    }

    /**
     * Waits up to {@code atMost} until {@code cluster show} on {@code node} lists exactly
     * {@code names} as running, in that order: the set-up of a test whose nodes must see each other.
     */
    public void awaitRunning(BrokerProcess node, Duration atMost, String... names) {
        List<String> expected = List.of(names);
        await().atMost(atMost).until(() -> running(node).equals(expected));
    }

    /**
     * Waits up to 60 s until {@code node}'s {@code cluster show} says {@code replicas_safe}: no
     * partition moving, every backup in sync. A test that stops a node hard right after the
     * cluster formed waits for this first, or the node may take map entries it held alone.
     */
    public void awaitReplicasSafe(BrokerProcess node) {
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            AdminHttp.Answer a = admin(node).get("/api/v1/cluster/show");
            return a.status() == 200 && a.json().path("replicas_safe").asBoolean();
        });
    }

    // handed out by this JVM, so two calls never give the same port before either is bound
    private static final Set<Integer> GIVEN = ConcurrentHashMap.newKeySet();

    /**
     * A TCP port free on loopback now, for a process started next (Hazelcast members cannot bind
     * port 0). Taken below Linux's ephemeral range (32768 up): a port from that range, released
     * here and bound by the broker a moment later, could meanwhile become the local end of any
     * outgoing connection on the machine (it did once, under load); below it only an explicit
     * bind can take it.
     */
    public static int freePort() {
        for (int attempt = 0; attempt < 1000; attempt++) {
            int port = 20000 + ThreadLocalRandom.current().nextInt(12000);
            if (!GIVEN.add(port)) {
                continue;
            }
            try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                return s.getLocalPort();
            } catch (IOException inUse) {
                // taken by someone else: try another
            }
        }
        throw new IllegalStateException("no free loopback port in 20000-31999 after 1000 attempts");
    }

    @Override
    public void close() {
        nodes.forEach(BrokerProcess::close);
    }

    @Override
    public void afterEach(ExtensionContext context) throws IOException {
        if (context.getExecutionException().isPresent()) {
            printLogs(context.getDisplayName());
        }
        if (!perClass) {
            closeAndDelete();
        }
    }

    /**
     * After a failed test: each node's warnings, errors and cluster lines (the last 60), on
     * stderr, so a failure on CI, where the nodes and their directory are gone afterwards, can be
     * read from the build log.
     */
    private void printLogs(String test) {
        for (Map.Entry<BrokerProcess, Path> node : dirs.entrySet()) {
            List<String> lines = node.getKey().output().stream()
                    .filter(l -> l.contains("WARN") || l.contains("ERROR") || l.contains("cluster:"))
                    .toList();
            System.err.println("---- " + test + ": node " + node.getValue().getFileName() + " (MQTT port "
                    + node.getKey().mqttPort() + "), its last " + Math.min(60, lines.size()) + " of "
                    + lines.size() + " warning, error and cluster lines:");
            lines.subList(Math.max(0, lines.size() - 60), lines.size()).forEach(System.err::println);
        }
    }

    @Override
    public void afterAll(ExtensionContext context) throws IOException {
        closeAndDelete();
    }

    private void closeAndDelete() throws IOException {
        close();
        if (ownDir && dir != null) {
            try (Stream<Path> all = Files.walk(dir)) {
                for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }
}
