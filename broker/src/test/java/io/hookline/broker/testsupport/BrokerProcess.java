package io.hookline.broker.testsupport;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A broker in its own JVM ({@code io.hookline.broker.Main} on the test class path), for attacks
 * that need a real process: a small heap, a memory bound measured as RSS, an fd limit, exiting on
 * OutOfMemoryError, a SIGKILL mid-stream ({@link #close()}) or a SIGTERM ({@link #stop()}); or a run
 * that must exit by itself ({@link #runToExit}). Listens on ephemeral loopback ports (MQTT
 * {@code default}, HTTP {@code default}), learned from its log. {@link #close()} kills it.
 */
public final class BrokerProcess implements AutoCloseable {

    private static final Pattern MQTT = Pattern.compile("MQTT listener 'default' on tcp /127\\.0\\.0\\.1:(\\d+)");
    private static final Pattern HTTP = Pattern.compile("HTTP listener 'default' on /127\\.0\\.0\\.1:(\\d+)");

    private final Process process;
    private final List<String> output = new CopyOnWriteArrayList<>();
    private volatile int mqttPort = -1;
    private volatile int httpPort = -1;

    private BrokerProcess(Process process) {
        this.process = process;
    }

    /**
     * Starts a broker with {@code jvmArgs} (e.g. -Xmx96m) and config {@code keyValues} over the test
     * defaults (anonymous allowed, no $SYS, data in {@code dir}); waits up to 60 s until it listens.
     */
    public static BrokerProcess start(Path dir, List<String> jvmArgs, String... keyValues) throws IOException {
        return start(dir, 0, jvmArgs, keyValues);
    }

    /** {@link #start(Path, List, String...)} with the open-file limit (soft and hard) set to {@code openFiles}; 0 = inherited. */
    public static BrokerProcess start(Path dir, int openFiles, List<String> jvmArgs, String... keyValues)
            throws IOException {
        return launch(command(dir, openFiles, 0, jvmArgs, List.of(), keyValues));
    }

    /**
     * {@link #start(Path, List, String...)} with the largest file the process may write limited to
     * {@code maxFileKb} KiB (RLIMIT_FSIZE, {@code ulimit -f}): a write past it fails with EFBIG
     * ("File too large"), an I/O error that is not a full disk.
     */
    public static BrokerProcess startWithFileSizeLimit(
            Path dir, long maxFileKb, List<String> jvmArgs, String... keyValues) throws IOException {
        return launch(command(dir, 0, maxFileKb, jvmArgs, List.of(), keyValues));
    }

    private static BrokerProcess launch(List<String> command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        BrokerProcess broker = new BrokerProcess(p);
        Thread reader = new Thread(broker::readOutput, "broker-process-output");
        reader.setDaemon(true);
        reader.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while ((broker.mqttPort < 0 || broker.httpPort < 0) && System.nanoTime() < deadline && p.isAlive()) {
            synchronized (broker) {
                try {
                    broker.wait(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        if (broker.mqttPort < 0 || broker.httpPort < 0) {
            broker.close();
            throw new IllegalStateException("broker process did not start:\n" + String.join("\n", broker.output));
        }
        return broker;
    }

    private static List<String> command(
            Path dir, int openFiles, long maxFileKb, List<String> jvmArgs, List<String> arguments, String... keyValues)
            throws IOException {
        Map<String, String> config = new LinkedHashMap<>();
        config.put("listener.tcp.default", "127.0.0.1:0");
        config.put("listener.http.default", "127.0.0.1:0");
        config.put("allow_anonymous", "on");
        config.put("systree_interval", "0");
        config.put("data_dir", dir.resolve("data").toString());
        for (int i = 0; i + 1 < keyValues.length; i += 2) {
            config.put(keyValues[i], keyValues[i + 1]);
        }
        StringBuilder text = new StringBuilder();
        config.forEach((k, v) -> text.append(k).append(" = ").append(v).append('\n'));
        Path file = dir.resolve("broker.conf");
        Files.writeString(file, text);
        List<String> command = new ArrayList<>();
        if (openFiles > 0) {
            command.addAll(List.of("/bin/sh", "-c", "ulimit -n \"$0\" && exec \"$@\"", String.valueOf(openFiles)));
        } else if (maxFileKb > 0) {
            command.addAll(List.of("/bin/sh", "-c", "ulimit -f \"$0\" && exec \"$@\"", String.valueOf(maxFileKb)));
        }
        List<String> main = new ArrayList<>(List.of(
                "--config", file.toString(), "--plugins", dir.resolve("plugins").toString()));
        main.addAll(arguments);
        command.addAll(mainCommand(jvmArgs, main.toArray(String[]::new)));
        return command;
    }

    /**
     * The command line that runs {@code io.hookline.broker.Main} with {@code arguments} (e.g.
     * {@code --config FILE}) in a new JVM with {@code jvmArgs}, on the test class path: for a test
     * that runs Main on a config of its own.
     */
    public static List<String> mainCommand(List<String> jvmArgs, String... arguments) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmArgs);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.hookline.broker.Main"));
        command.addAll(List.of(arguments));
        return command;
    }

    /** How a broker process that was expected to stop by itself ended. */
    public record Exit(int code, List<String> output) {
        public String text() {
            return String.join("\n", output);
        }
    }

    /**
     * Runs {@code io.hookline.broker.Main} with {@code arguments} (e.g. {@code --repair-store}) on
     * the same config as {@link #start} and waits up to 60 s for it to exit by itself.
     */
    public static Exit runToExit(Path dir, List<String> jvmArgs, List<String> arguments, String... keyValues)
            throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command(dir, 0, 0, jvmArgs, arguments, keyValues))
                .redirectErrorStream(true)
                .start();
        List<String> lines = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                lines.add(line);
            }
        }
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("broker process did not exit:\n" + String.join("\n", lines));
        }
        return new Exit(p.exitValue(), lines);
    }

    /** SIGTERM: the broker stops cleanly; its exit status (0: Main handles the signal). */
    public int stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("broker process did not stop:\n" + String.join("\n", output));
        }
        return process.exitValue();
    }

    /** SIGSTOP: the process is frozen (no heartbeats, no answers, sockets stay open), as a hung machine. */
    public void freeze() throws IOException, InterruptedException {
        signal("STOP");
    }

    /** SIGCONT: a frozen process runs again. */
    public void resume() throws IOException, InterruptedException {
        signal("CONT");
    }

    private void signal(String name) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + name, String.valueOf(process.pid()))
                .redirectErrorStream(true)
                .start();
        String out = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new IllegalStateException("kill -" + name + " " + process.pid() + " failed: " + out);
        }
    }

    private void readOutput() {
        try (BufferedReader r =
                new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                output.add(line);
                Matcher m = MQTT.matcher(line);
                if (m.find()) {
                    mqttPort = Integer.parseInt(m.group(1));
                }
                Matcher h = HTTP.matcher(line);
                if (h.find()) {
                    httpPort = Integer.parseInt(h.group(1));
                }
                synchronized (this) {
                    notifyAll();
                }
            }
        } catch (IOException e) {
            output.add("(output unreadable: " + e + ")");
        }
    }

    public int mqttPort() {
        return mqttPort;
    }

    public int httpPort() {
        return httpPort;
    }

    public Process process() {
        return process;
    }

    /** Every line the process wrote so far (stdout and stderr). */
    public List<String> output() {
        return List.copyOf(output);
    }

    /** Waits up to 20 s for a line of output containing {@code text}; whether one came. */
    public boolean awaitOutput(String text) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        synchronized (this) {
            while (output.stream().noneMatch(l -> l.contains(text))) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    return false;
                }
                try {
                    wait(Math.min(left, 100));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            return true;
        }
    }

    /** File descriptors the process has open (Linux /proc). */
    public long openFiles() {
        try (var fds = Files.list(Path.of("/proc", String.valueOf(process.pid()), "fd"))) {
            return fds.count();
        } catch (IOException e) {
            throw new IllegalStateException("cannot list the descriptors of pid " + process.pid(), e);
        }
    }

    /** The process's resident set size in bytes (Linux /proc). */
    public long rssBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(process.pid()), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the RSS of pid " + process.pid(), e);
        }
        throw new IllegalStateException("no VmRSS for pid " + process.pid());
    }

    @Override
    public void close() {
        process.destroyForcibly(); // SIGKILL ends a frozen (SIGSTOP) process too
        try {
            process.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
