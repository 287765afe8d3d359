package io.hookline.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hookline.broker.testsupport.BrokerProcess;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bin/broker}'s Java side as a real process: the start line names absolute paths; SIGTERM exits 0. */
class MainProcessTest {
    @TempDir
    Path dir;

    @Test
    void sigtermAfterACleanStopExitsZeroAndTheLogNamesAbsolutePaths() throws Exception {
        Path conf = Files.writeString(
                dir.resolve("broker.conf"),
                String.join("\n", "listener.tcp.default = 127.0.0.1:0", "data_dir = " + dir.resolve("data"), ""));
        // the shipped logging config: the start line is at INFO
        Path logback = Path.of("../conf/logback.xml").toAbsolutePath().normalize();
        Process p = new ProcessBuilder(BrokerProcess.mainCommand(
                        List.of("-Dlogback.configurationFile=" + logback), "--config", conf.toString()))
                .redirectErrorStream(true)
                .start();
        StringBuilder output = new StringBuilder();
        boolean started = false;
        try (BufferedReader in =
                new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                output.append(line).append('\n');
                if (line.contains(" started with ")) {
                    started = true;
                    // Process.destroy would close our end of its output: signal it as a service manager does
                    assertEquals(
                            0,
                            new ProcessBuilder("kill", "-TERM", Long.toString(p.pid()))
                                    .start()
                                    .waitFor());
                    assertTrue(
                            line.contains("started with "
                                    + conf.toAbsolutePath().normalize() + " (data_dir "
                                    + dir.resolve("data").toAbsolutePath().normalize() + ")"),
                            line);
                }
            }
        }
        assertTrue(started, output.toString());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the broker should stop after SIGTERM");
        assertEquals(0, p.exitValue(), output.toString());
        assertTrue(output.toString().contains("stopped"), output.toString());
    }
}
