package io.hookline.broker.testsupport;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Debian's headless Chromium, for tests of pages the broker serves. {@code .ci/run} installs it
 * ({@code apt-get install -y chromium}); tests skip, saying so, where it is absent.
 */
public final class Chromium {
    public static final String MISSING =
            "chromium is not installed (apt-get install -y chromium; .ci/run does it):" + " browser test skipped";
    private static final long TIMEOUT_SECONDS = 90;

    private Chromium() {}

    /** @return the chromium executable on the PATH, if any */
    public static Optional<Path> find() {
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        for (String dir : path.split(java.io.File.pathSeparator)) {
            for (String name : new String[] {"chromium", "chromium-browser"}) {
                Path p = Path.of(dir, name);
                if (Files.isExecutable(p)) {
                    return Optional.of(p);
                }
            }
        }
        return Optional.empty();
    }

    /** Loads {@code uri}, lets its scripts run for {@code virtualMillis} of virtual time, returns the DOM. */
    public static String dumpDom(Path chromium, URI uri, int virtualMillis) throws IOException, InterruptedException {
        return run(chromium, List.of("--dump-dom", "--virtual-time-budget=" + virtualMillis, uri.toString()));
    }

    /** Saves a screenshot of {@code uri} as PNG. */
    public static void screenshot(Path chromium, URI uri, Path png, int width, int height, int virtualMillis)
            throws IOException, InterruptedException {
        run(
                chromium,
                List.of(
                        "--screenshot=" + png,
                        "--window-size=" + width + "," + height,
                        "--hide-scrollbars",
                        "--virtual-time-budget=" + virtualMillis,
                        uri.toString()));
    }

    private static String run(Path chromium, List<String> args) throws IOException, InterruptedException {
        Path profile = Files.createTempDirectory("hookline-chromium");
        Path out = Files.createTempFile("hookline-chromium", ".out");
        Path err = Files.createTempFile("hookline-chromium", ".err");
        try {
            List<String> cmd = new ArrayList<>(List.of(
                    chromium.toString(),
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-quic",
                    "--no-first-run",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--disable-dev-shm-usage",
                    "--user-data-dir=" + profile));
            cmd.addAll(args);
            Process p = new ProcessBuilder(cmd)
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile())
                    .start();
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError("chromium did not finish within " + TIMEOUT_SECONDS + " s: "
                        + Files.readString(err, StandardCharsets.UTF_8));
            }
            if (p.exitValue() != 0) {
                throw new AssertionError(
                        "chromium exited " + p.exitValue() + ": " + Files.readString(err, StandardCharsets.UTF_8));
            }
            return Files.readString(out, StandardCharsets.UTF_8);
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
            try (Stream<Path> files = Files.walk(profile)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }
}
