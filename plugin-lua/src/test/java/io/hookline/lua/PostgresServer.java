package io.hookline.lua;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * A real PostgreSQL 15 server started for a test: initdb into a fresh directory, pg_ctl start on a
 * free loopback port, trust authentication for user postgres. initdb and pg_ctl refuse to run as
 * root, so as root they run as the unprivileged {@code postgres} user through {@code runuser}.
 * The test is skipped (an assumption) when the binaries are not installed.
 */
final class PostgresServer implements AutoCloseable {
    static final Path BIN = Path.of("/usr/lib/postgresql/15/bin");
    final int port;
    private final Path dataDir;
    private final boolean asRoot;

    private PostgresServer(int port, Path dataDir, boolean asRoot) {
        this.port = port;
        this.dataDir = dataDir;
        this.asRoot = asRoot;
    }

    static PostgresServer start() throws Exception {
        Assumptions.assumeTrue(
                Files.isExecutable(BIN.resolve("initdb")) && Files.isExecutable(BIN.resolve("pg_ctl")),
                "PostgreSQL 15 is not installed (" + BIN + "): apt-get install postgresql-15");
        boolean root = "root".equals(System.getProperty("user.name"));
        Path dir = Files.createTempDirectory("hookline-pg");
        if (root) {
            run(List.of("chown", "postgres:postgres", dir.toString()), false);
        }
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        PostgresServer pg = new PostgresServer(port, dir.resolve("data"), root);
        pg.pgRun(List.of(
                BIN.resolve("initdb").toString(),
                "-D",
                pg.dataDir.toString(),
                "-U",
                "postgres",
                "-A",
                "trust",
                "--no-sync",
                "-E",
                "UTF8"));
        pg.pgRun(List.of(
                BIN.resolve("pg_ctl").toString(),
                "-D",
                pg.dataDir.toString(),
                "-l",
                dir.resolve("log").toString(),
                "-w",
                "-t",
                "60",
                "-o",
                "-p " + port + " -k " + dir + " -c listen_addresses=127.0.0.1 -c fsync=off",
                "start"));
        return pg;
    }

    String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    Connection connect(String database) throws SQLException {
        return DriverManager.getConnection(jdbcUrl(database), "postgres", "");
    }

    /** Stops the server now (also to test a database that went away). */
    void stopServer() throws Exception {
        pgRun(List.of(BIN.resolve("pg_ctl").toString(), "-D", dataDir.toString(), "-m", "immediate", "-w", "stop"));
    }

    @Override
    public void close() throws Exception {
        try {
            if (Files.exists(dataDir.resolve("postmaster.pid"))) {
                stopServer();
            }
        } finally {
            try (Stream<Path> files = Files.walk(dataDir.getParent())) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private void pgRun(List<String> command) throws Exception {
        List<String> full = new ArrayList<>();
        if (asRoot) {
            full.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        full.addAll(command);
        run(full, true);
    }

    private static void run(List<String> command, boolean quiet) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(90, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + new String(out));
        }
    }
}
