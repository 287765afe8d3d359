package io.hookline.broker.store.rocks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A small tmpfs for the disk-full tests: mounted on a directory of the test's (a test without
 * root is skipped), grown with room again, and unmounted after the test.
 */
final class SmallDisk {
    private SmallDisk() {}

    /** Mounts a 3 MB tmpfs on {@code dir}, or skips the test: mounting needs root. */
    static void mount(Path dir) throws Exception {
        assumeTrue(
                run("mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", dir.toString()) == 0,
                "mounting a tmpfs needs root");
    }

    /** Gives the tmpfs on {@code dir} room again: {@code size} as mount(8) takes it, e.g. 64m. */
    static void grow(Path dir, String size) throws Exception {
        assertEquals(0, run("mount", "-o", "remount,size=" + size, dir.toString()));
    }

    static void unmount(Path dir) throws Exception {
        run("umount", dir.toString());
    }

    private static int run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor(30, TimeUnit.SECONDS) ? p.exitValue() : -1;
    }
}
