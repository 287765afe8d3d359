package io.hookline.broker.testsupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A small tmpfs for the disk-full tests: mounted on a directory of the test's (a test without
 * root is skipped), grown with room again, and unmounted after the test. Registered as an
 * extension it cleans up after each test, first closing what runs on the disk (a broker must let
 * go of its store before the unmount):
 *
 * <pre>{@code
 * private TestBroker broker;
 * @RegisterExtension
 * final SmallDisk disk = new SmallDisk(() -> broker);
 * }</pre>
 *
 * JUnit runs it after the test's own {@code @AfterEach}, so what a test closes there is gone
 * before the unmount too.
 */
public final class SmallDisk implements AfterEachCallback {
    private final Supplier<? extends AutoCloseable> onTheDisk;
    // confined to the test's thread
    private final List<Path> mounted = new ArrayList<>();

    /** A disk whose users the test closes itself, in its {@code @AfterEach}. */
    public SmallDisk() {
        this(() -> null);
    }

    /** A disk on which {@code onTheDisk} runs (null: nothing), closed after each test before the unmount. */
    public SmallDisk(Supplier<? extends AutoCloseable> onTheDisk) {
        this.onTheDisk = onTheDisk;
    }

    /** Mounts a 3 MB tmpfs on {@code dir}, or skips the test: mounting needs root. */
    public void mount(Path dir) throws Exception {
        assumeTrue(
                run("mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", dir.toString()) == 0,
                "mounting a tmpfs needs root");
        mounted.add(dir);
    }

    /** Gives the tmpfs on {@code dir} room again: {@code size} as mount(8) takes it, e.g. 64m. */
    public void grow(Path dir, String size) throws Exception {
        assertEquals(0, run("mount", "-o", "remount,size=" + size, dir.toString()));
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        try {
            AutoCloseable user = onTheDisk.get();
            if (user != null) {
                user.close();
            }
        } finally {
            for (Path dir : mounted) {
                run("umount", dir.toString());
            }
            mounted.clear();
        }
    }

    private static int run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor(30, TimeUnit.SECONDS) ? p.exitValue() : -1;
    }
}
