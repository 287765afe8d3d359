package io.hookline.broker;

import com.sun.management.HotSpotDiagnosticMXBean;
import io.hookline.broker.config.Config;
import io.hookline.broker.config.ConfigException;
import io.hookline.broker.config.CoreConfig;
import io.hookline.broker.config.OpenFiles;
import io.hookline.broker.config.ProtocolSettings;
import io.hookline.broker.config.ValueType;
import io.hookline.broker.store.rocks.StoreException;
import io.hookline.broker.store.rocks.StoreRepair;
import io.hookline.broker.transport.MqttListener.ListenerException;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code bin/broker [--config FILE]}: runs the broker in the foreground until SIGTERM/SIGINT.
 * {@code bin/broker --repair-store} salvages a damaged store under data_dir offline and exits.
 * Exit codes: 0 after a clean stop (or a repair), 1 when a listener or the store cannot start
 * (or a repair cannot run), 2 for a bad command line or config.
 */
public final class Main {

    private static final Logger log = LoggerFactory.getLogger("hookline");

    private Main() {}

    public static void main(String[] args) {
        Path configFile = Path.of("conf/broker.conf");
        Path pluginDir = Path.of("plugins");
        boolean repairStore = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--config", "-c" -> {
                    if (i + 1 >= args.length) {
                        fail(2, "--config needs a file name");
                    }
                    configFile = Path.of(args[++i]);
                }
                case "--plugins" -> {
                    if (i + 1 >= args.length) {
                        fail(2, "--plugins needs a directory");
                    }
                    pluginDir = Path.of(args[++i]);
                }
                case "--repair-store" -> repairStore = true;
                case "--help", "-h" -> {
                    log.info("usage: bin/broker [--config FILE] [--plugins DIR]   "
                            + "(defaults conf/broker.conf and plugins/, a directory of drop-in plugin jars)\n"
                            + "       bin/broker [--config FILE] --repair-store   (offline: salvage a damaged"
                            + " data_dir/store, keeping the damaged files beside it, then exit)");
                    return;
                }
                case "--version" -> {
                    log.info("Hookline {}", Broker.VERSION);
                    return;
                }
                default ->
                    fail(
                            2,
                            "unknown argument '" + args[i]
                                    + "' (usage: bin/broker [--config FILE] [--plugins DIR] [--repair-store])");
            }
        }
        if (!Files.isReadable(configFile)) {
            fail(2, "cannot read config file " + configFile);
        }
        // plugins are found first: their config keys are checked with the core's
        var discovery = Broker.discoverPlugins(pluginDir);
        Config config;
        try {
            config = Config.load(configFile, Broker.configSchema(discovery), System.getenv());
        } catch (IllegalArgumentException e) {
            fail(2, "a plugin declares an invalid configuration key: " + e.getMessage());
            return;
        } catch (ConfigException e) {
            fail(2, "invalid configuration:\n" + e.getMessage());
            return;
        }
        if (repairStore) {
            repairStore(config.get(CoreConfig.DATA_DIR).resolve(CoreConfig.STORE_DIRECTORY));
            return;
        }
        Broker broker = null;
        try {
            broker = new Broker(config, discovery);
            broker.start();
        } catch (ListenerException e) {
            fail(1, e.getMessage());
        } catch (StoreException e) {
            fail(1, e.getMessage());
        }
        AtomicBoolean closed = new AtomicBoolean();
        Broker running = broker;
        Runnable stop = () -> {
            if (closed.compareAndSet(false, true)) {
                log.info("stopping");
                running.close();
                log.info("stopped");
            }
        };
        // any other way the JVM ends (System.exit, SIGHUP) still closes the broker
        Runtime.getRuntime().addShutdownHook(new Thread(stop, "hookline-shutdown"));
        // handlers in place before the start line: a supervisor may signal as soon as it sees it
        CountDownLatch signalled = new CountDownLatch(1);
        boolean handled = onSignals(signalled);
        log.info(
                "Hookline {} started with {} (data_dir {}); logging to the console (conf/logback.xml)",
                Broker.VERSION,
                configFile.toAbsolutePath().normalize(),
                config.get(CoreConfig.DATA_DIR).toAbsolutePath().normalize());
        warnUnlessExitOnOutOfMemory();
        logOpenFiles(config, ProtocolSettings.from(config).maxConnections());
        if (!handled) {
            // without signal handlers the JVM's default applies: SIGTERM exits 143 after the hook
            awaitQuietly(new CountDownLatch(1));
        }
        awaitQuietly(signalled);
        stop.run();
        System.exit(0); // a clean stop after SIGTERM or SIGINT is a success
    }

    /**
     * SIGTERM and SIGINT count the latch down instead of ending the JVM, so main can stop the
     * broker and exit 0 (the JVM's own handling exits 143/130 however cleanly it stopped).
     *
     * @return false when this JVM does not let us handle signals
     */
    private static boolean onSignals(CountDownLatch signalled) {
        try {
            for (String name : new String[] {"TERM", "INT"}) {
                sun.misc.Signal.handle(new sun.misc.Signal(name), sig -> signalled.countDown());
            }
            return true;
        } catch (IllegalArgumentException | UnsupportedOperationException | LinkageError e) {
            log.warn("cannot handle SIGTERM/SIGINT ({}): the exit status after a stop will be 143/130", e.toString());
            return false;
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void repairStore(Path store) {
        log.info("repairing the store {} (offline)", store.toAbsolutePath().normalize());
        StoreRepair.Report report;
        try {
            report = StoreRepair.repair(store);
        } catch (StoreException e) {
            fail(1, "store repair did not run: " + e.getMessage());
            return;
        } catch (IOException e) {
            fail(1, "store repair failed: " + e);
            return;
        }
        report.problems().forEach(p -> log.warn("store repair: {}", p));
        if (report.damagedCopy() != null) {
            log.info("store repair: records kept per column: {}", report.copied());
            log.info(
                    "store repair: done; the damaged files are in {} (delete them once the broker runs well)",
                    report.damagedCopy());
        }
    }

    /**
     * A JVM that keeps running after an OutOfMemoryError is half-dead: threads that hit it are
     * gone, MQTT and /health may hang. bin/broker runs with -XX:+ExitOnOutOfMemoryError so the
     * process exits and a supervisor restarts it; say so when someone starts it without.
     */
    private static void warnUnlessExitOnOutOfMemory() {
        try {
            var diagnostics = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
            if (diagnostics != null
                    && !"true"
                            .equals(diagnostics
                                    .getVMOption("ExitOnOutOfMemoryError")
                                    .getValue())) {
                log.warn(
                        "the JVM runs without -XX:+ExitOnOutOfMemoryError: after an OutOfMemoryError the broker"
                                + " may hang half-dead instead of exiting for its supervisor to restart it (bin/broker sets it)");
            }
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            log.debug("cannot read the JVM option ExitOnOutOfMemoryError", e);
        }
    }

    /** Says how listener.max_connections relates to the open-file limit (every connection is a descriptor). */
    private static void logOpenFiles(Config config, int maxConnections) {
        var files = OpenFiles.of(config);
        Logger log = LoggerFactory.getLogger(OpenFiles.class);
        if (files.limit() < 0) {
            return;
        }
        if (config.get(CoreConfig.LISTENER_MAX_CONNECTIONS) == ValueType.AUTO) {
            log.info(
                    "open-file limit {}: listener.max_connections = {} (auto: {} descriptors kept for the management"
                            + " listener, logs and stores)",
                    files.limit(),
                    maxConnections,
                    files.reserve());
        } else if (maxConnections == 0 || maxConnections > files.defaultMaxConnections()) {
            log.warn(
                    "listener.max_connections = {} leaves fewer than {} of the {} open files for the management listener,"
                            + " logs and stores: when they run out, /health stops answering. Raise the limit (ulimit -n,"
                            + " LimitNOFILE) or use auto",
                    maxConnections == 0 ? "0 (no limit)" : maxConnections,
                    files.reserve(),
                    files.limit());
        }
    }

    private static void fail(int code, String message) {
        log.error(message);
        System.exit(code);
    }
}
