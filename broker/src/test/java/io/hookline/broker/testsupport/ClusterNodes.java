package io.hookline.broker.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Broker processes ({@link BrokerProcess}) that form one cluster on loopback: each node gets its
 * own directory, a free cluster.listen port, data_port 0 and the first node as its seed; small
 * failure and join timeouts (through the cluster.* keys) keep the tests fast. {@link #close()}
 * kills every node still running.
 */
public final class ClusterNodes implements AutoCloseable {

    /** JVM options of every node: logging as bin/broker logs (tests run in the broker module's directory). */
    public static final List<String> JVM = List.of(
            "-Xmx256m",
            "-Dlogback.configurationFile=" + Path.of("../conf/logback.xml").toAbsolutePath());

    private final Path dir;
    private final List<BrokerProcess> nodes = new ArrayList<>();
    private final Map<BrokerProcess, Path> dirs = new ConcurrentHashMap<>();
    private String seed;

    public ClusterNodes(Path dir) {
        this.dir = dir;
    }

    /** Starts node {@code name} joining the first node started (none: it forms the cluster); {@code extra} config key/values. */
    public BrokerProcess start(String name, String... extra) throws IOException {
        Path home = dir.resolve(name);
        Files.createDirectories(home);
        String listen = "127.0.0.1:" + freePort();
        List<String> kv = new ArrayList<>(List.of(
                "cluster",
                "on",
                "cluster.name",
                "test-" + dir.getFileName(),
                "cluster.node_name",
                name,
                "cluster.listen",
                listen,
                "cluster.data_port",
                "0",
                "cluster.seeds",
                seed == null ? "" : seed,
                "cluster.failure_timeout",
                "3s",
                "cluster.join_wait",
                "1s"));
        kv.addAll(List.of(extra));
        BrokerProcess p = BrokerProcess.start(home, JVM, kv.toArray(String[]::new));
        if (seed == null) {
            seed = listen;
        }
        nodes.add(p);
        dirs.put(p, home);
        return p;
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

    /** A TCP port free on loopback now (Hazelcast members cannot bind port 0). */
    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        nodes.forEach(BrokerProcess::close);
    }
}
