package io.hookline.broker.testsupport;

import io.hookline.broker.Broker;
import io.hookline.broker.config.Config;
import io.hookline.broker.config.ConfigException;
import io.hookline.broker.store.Stores;
import io.hookline.broker.util.Scheduler;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A real broker on an ephemeral loopback port, for end-to-end tests. Defaults: anonymous
 * clients allowed, no $SYS publication, the broker's own default persistence (on); any key can
 * be overridden. Unless the test names a {@code data_dir}, each broker gets a temporary one of
 * its own (removed when it closes), so brokers in one JVM never share a store's lock and a
 * broker never sees a previous test's sessions.
 */
public final class TestBroker implements AutoCloseable {

    private final Broker broker;
    /** The temporary data_dir this class made, null when the test gave its own. */
    private final Path ownDataDir;

    private TestBroker(Broker broker, Path ownDataDir) {
        this.broker = broker;
        this.ownDataDir = ownDataDir;
    }

    /** Starts a broker; {@code keyValues} are config key/value pairs overriding the test defaults. */
    public static TestBroker start(String... keyValues) {
        return startOn(null, null, null, keyValues);
    }

    /**
     * Starts a broker on the given stores and time, null for the defaults (memory stores, the
     * system clock, real timers): a {@link ManualTime} as both clock and scheduler makes its
     * timers run only when the test advances it; stores shared by two brokers in turn are a
     * restart.
     */
    public static TestBroker startOn(Stores stores, Clock clock, Scheduler scheduler, String... keyValues) {
        Map<String, String> config = new LinkedHashMap<>();
        config.put("listener.tcp.default", "127.0.0.1:0");
        config.put("allow_anonymous", "on");
        config.put("systree_interval", "0");
        for (int i = 0; i + 1 < keyValues.length; i += 2) {
            config.put(keyValues[i], keyValues[i + 1]);
        }
        Path ownDataDir = null;
        if (!config.containsKey("data_dir")) {
            try {
                ownDataDir = Files.createTempDirectory("hookline-test-data");
            } catch (IOException e) {
                throw new UncheckedIOException("no temporary data_dir: " + e.getMessage(), e);
            }
            config.put("data_dir", ownDataDir.toString());
        }
        Broker broker = null;
        try {
            var plugins = Broker.discoverPlugins(null);
            broker = new Broker(Config.of(config, Broker.configSchema(plugins)), plugins, stores, clock, scheduler);
            return new TestBroker(broker.start(), ownDataDir);
        } catch (ConfigException e) {
            deleteTree(ownDataDir);
            throw new IllegalArgumentException("bad test config: " + e.getMessage(), e);
        } catch (Exception e) {
            if (broker != null) {
                try {
                    broker.close(); // releases the store's lock and threads of a half-started broker
                } catch (RuntimeException closing) {
                    e.addSuppressed(closing);
                }
            }
            deleteTree(ownDataDir);
            throw new IllegalStateException("broker did not start: " + e.getMessage(), e);
        }
    }

    public int port() {
        return broker.port("default");
    }

    /** The port of listener {@code listener.KIND.NAME}, e.g. {@code port("ssl", "secure")}. */
    public int port(String kind, String name) {
        int port = broker.port(kind, name);
        if (port < 0) {
            throw new IllegalArgumentException("no listener." + kind + "." + name);
        }
        return port;
    }

    /** The port of the management HTTP listener {@code listener.http.default}. */
    public int httpPort() {
        int port = broker.httpPort("default");
        if (port < 0) {
            throw new IllegalArgumentException("no listener.http.default");
        }
        return port;
    }

    public Broker broker() {
        return broker;
    }

    @Override
    public void close() {
        broker.close();
        deleteTree(ownDataDir);
    }

    private static void deleteTree(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("temporary data_dir " + dir + " not removed: " + e.getMessage(), e);
        }
    }
}
