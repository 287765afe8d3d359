package io.hookline.broker.store.rocks;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.hookline.broker.config.SyncPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A full disk, for real: the store lives on a tiny tmpfs (needs root, as the build machines and
 * CI run; skipped where mounting is not allowed).
 */
class DiskFullTest {

    @TempDir
    Path tmp;

    private Path mount;

    private static int run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor(30, TimeUnit.SECONDS) ? p.exitValue() : -1;
    }

    @AfterEach
    void unmount() throws Exception {
        if (mount != null) {
            run("umount", mount.toString());
        }
    }

    @Test
    void aFullDiskFailsTheWriteWithNoSpaceAndKeepsWhatWasStored() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("small"));
        assumeTrue(
                run("mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", dir.toString()) == 0,
                "mounting a tmpfs needs root");
        mount = dir;
        try (RocksStore store = RocksStore.open(dir.resolve("store"), SyncPolicy.ALWAYS, Duration.ofSeconds(1))) {
            byte[] first = "kept".getBytes();
            store.write(new Writes().put(Column.RETAINED, "t/kept".getBytes(), first))
                    .get(10, TimeUnit.SECONDS);
            byte[] big = new byte[256 * 1024];
            List<Integer> written = new ArrayList<>();
            StoreException failure = null;
            for (int i = 0; i < 100 && failure == null; i++) {
                try {
                    store.write(new Writes().put(Column.QUEUES, Keys.queued("s", i), big))
                            .get(10, TimeUnit.SECONDS);
                    written.add(i);
                } catch (ExecutionException e) {
                    failure = assertInstanceOf(StoreException.class, e.getCause());
                }
            }
            assertNotNull(failure, "3 MB cannot take 25 MB");
            assertEquals(StoreException.Kind.NO_SPACE, failure.kind(), failure.getMessage());
            assertTrue(
                    failure.getMessage().startsWith("writing to the store " + store.directory() + " failed: "),
                    failure.getMessage());
            assertTrue(store.stats().writeErrors() >= 1);
            // nothing already stored is damaged, and reads go on
            assertArrayEquals(first, store.get(Column.RETAINED, "t/kept".getBytes()));
            for (int i : written) {
                assertNotNull(store.get(Column.QUEUES, Keys.queued("s", i)), "queued " + i);
            }
            // room again: writes succeed again without a restart
            assertEquals(0, run("mount", "-o", "remount,size=64m", dir.toString()));
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> {
                        try {
                            store.write(new Writes().put(Column.RETAINED, "t/after".getBytes(), first))
                                    .get(10, TimeUnit.SECONDS);
                            return true;
                        } catch (ExecutionException e) {
                            return false;
                        }
                    });
            assertArrayEquals(first, store.get(Column.RETAINED, "t/after".getBytes()));
        }
    }
}
