package io.hookline.broker.testsupport;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.awaitility.Awaitility.await;

/**
 * A real broker process ({@code io.hookline.broker.Main} in a JVM of its own, on the test class
 * path), for crash tests: {@link #kill()} is SIGKILL, {@link #stop()} SIGTERM. Its output is
 * collected line by line, logged as bin/broker logs; the port comes from its "MQTT listener" log
 * line (port 0 in the config).
 */
public final class BrokerProcess implements AutoCloseable {

    /** The logging bin/broker uses (tests run in the broker module's directory). */
    private static final Path SHIPPED_LOGBACK = Path.of("../conf/logback.xml");

    private static final Pattern LISTENING = Pattern.compile("MQTT listener 'default' on tcp /127\\.0\\.0\\.1:(\\d+)");

    private final Process process;
    private final List<String> output = new CopyOnWriteArrayList<>();
    private volatile int port = -1;
    private final Thread reader;

    private BrokerProcess(Process process) {
        this.process = process;
        this.reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    output.add(line);
                    Matcher m = LISTENING.matcher(line);
                    if (m.find()) {
                        port = Integer.parseInt(m.group(1));
                    }
                }
            } catch (IOException e) {
                output.add("(output closed: " + e + ")");
            }
        }, "broker-process-output");
        reader.setDaemon(true);
        reader.start();
    }

    /** Writes {@code configLines} to {@code dir/broker.conf} and runs a broker on it, without waiting. */
    public static BrokerProcess launch(Path dir, String... configLines) throws IOException {
        return launchWith(dir, List.of(), configLines);
    }

    /** Like {@link #launch}, with more command-line arguments (e.g. {@code --repair-store}). */
    public static BrokerProcess launchWith(Path dir, List<String> arguments, String... configLines) throws IOException {
        Path conf = dir.resolve("broker.conf");
        Files.write(conf, List.of(configLines));
        List<String> command = new java.util.ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-Dlogback.configurationFile=" + SHIPPED_LOGBACK.toAbsolutePath(),
                "-cp", System.getProperty("java.class.path"), "io.hookline.broker.Main",
                "--config", conf.toString()));
        command.addAll(arguments);
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        return new BrokerProcess(p);
    }

    /** Runs a broker and waits until its MQTT listener is bound. */
    public static BrokerProcess start(Path dir, String... configLines) throws IOException {
        BrokerProcess b = launch(dir, configLines);
        await().atMost(Duration.ofSeconds(60)).until(() -> b.port > 0 || !b.process.isAlive());
        if (b.port <= 0) {
            throw new IllegalStateException("broker process did not start:\n" + b.output());
        }
        return b;
    }

    public int port() {
        return port;
    }

    public String output() {
        return String.join("\n", output);
    }

    /** Waits for the process to end by itself, and for its output to be read; its exit code. */
    public int waitFor() throws InterruptedException {
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("broker process still running:\n" + output());
        }
        reader.join(10_000);
        return process.exitValue();
    }

    /** SIGKILL: no shutdown hook, nothing flushed. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** SIGTERM: the broker's shutdown hook closes it. */
    public int stop() throws InterruptedException {
        process.destroy();
        return waitFor();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
    }
}
