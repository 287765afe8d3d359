package io.hookline.broker.store.rocks;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hookline.broker.config.SyncPolicy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RocksStoreTest {

    @TempDir
    Path tmp;

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private RocksStore open(Path dir) {
        return RocksStore.open(dir, SyncPolicy.INTERVAL, Duration.ofSeconds(1));
    }

    @Test
    void whatWasWrittenIsThereAfterReopenInEveryColumn() throws Exception {
        Path dir = tmp.resolve("store");
        try (RocksStore store = open(dir)) {
            Writes batch = new Writes();
            for (Column c : Column.values()) {
                batch.put(c, utf8("k-" + c), utf8("v-" + c));
            }
            store.write(batch).get(10, TimeUnit.SECONDS);
        }
        try (RocksStore store = open(dir)) {
            for (Column c : Column.values()) {
                assertArrayEquals(utf8("v-" + c), store.get(c, utf8("k-" + c)), c.familyName());
            }
        }
    }

    @Test
    void aQueueIteratesInSequenceOrderAndNeverIntoAnotherSubscriber() throws Exception {
        try (RocksStore store = open(tmp.resolve("store"))) {
            Writes batch = new Writes();
            // written out of order, across byte boundaries of the sequence
            long[] sequences = {300, 1, 256, 255, 70_000, 0, 2};
            for (long seq : sequences) {
                batch.put(Column.QUEUES, Keys.queued("a", seq), utf8("a" + seq));
            }
            // "ab" starts with "a": its keys must not show up in a's range
            batch.put(Column.QUEUES, Keys.queued("ab", 5), utf8("ab5"));
            batch.put(Column.QUEUES, Keys.queued("", 7), utf8("empty7"));
            store.write(batch).get(10, TimeUnit.SECONDS);

            List<Long> seen = new ArrayList<>();
            store.scan(Column.QUEUES, Keys.subscriber("a"), (k, v) -> {
                assertEquals("a", Keys.subscriberOf(k));
                seen.add(Keys.sequenceOf(k));
                return true;
            });
            assertEquals(List.of(0L, 1L, 2L, 255L, 256L, 300L, 70_000L), seen);

            List<Long> fromMiddle = new ArrayList<>();
            store.scanFrom(Column.QUEUES, Keys.subscriber("a"), Keys.queued("a", 256), (k, v) -> {
                fromMiddle.add(Keys.sequenceOf(k));
                return fromMiddle.size() < 2;
            });
            assertEquals(List.of(256L, 300L), fromMiddle);
        }
    }

    @Test
    void aSubscribersRangeDeleteLeavesTheOthers() throws Exception {
        try (RocksStore store = open(tmp.resolve("store"))) {
            Writes batch = new Writes();
            for (int i = 0; i < 10; i++) {
                batch.put(Column.QUEUES, Keys.queued("a", i), utf8("x"));
                batch.put(Column.QUEUES, Keys.queued("ab", i), utf8("y"));
            }
            store.write(batch).get(10, TimeUnit.SECONDS);
            store.write(new Writes().deleteSubscriber(Column.QUEUES, "a")).get(10, TimeUnit.SECONDS);
            List<String> left = new ArrayList<>();
            store.scan(Column.QUEUES, new byte[0], (k, v) -> left.add(Keys.subscriberOf(k)));
            assertEquals(10, left.size());
            assertTrue(left.stream().allMatch("ab"::equals));
        }
    }

    @Test
    void groupCommitCompletesEveryConcurrentWrite() throws Exception {
        for (SyncPolicy policy : SyncPolicy.values()) {
            Path dir = tmp.resolve("store-" + policy);
            int threads = 8;
            int perThread = 250;
            try (RocksStore store = RocksStore.open(dir, policy, Duration.ofMillis(50))) {
                ExecutorService pool = Executors.newFixedThreadPool(threads);
                List<CompletableFuture<Void>> futures = new ArrayList<>();
                List<java.util.concurrent.Future<List<CompletableFuture<Void>>>> submitted = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int thread = t;
                    submitted.add(pool.submit(() -> {
                        List<CompletableFuture<Void>> mine = new ArrayList<>();
                        for (int i = 0; i < perThread; i++) {
                            mine.add(store.write(new Writes()
                                    .put(Column.QUEUES, Keys.queued("s" + thread, i), utf8(thread + ":" + i))));
                        }
                        return mine;
                    }));
                }
                for (var f : submitted) {
                    futures.addAll(f.get(30, TimeUnit.SECONDS));
                }
                pool.shutdown();
                CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new))
                        .get(60, TimeUnit.SECONDS);
                assertEquals(threads * perThread, store.stats().requests(), policy.name());
                assertTrue(store.stats().groups() <= store.stats().requests(), policy.name());
                assertEquals(0, store.stats().writeErrors(), policy.name());
                for (int t = 0; t < threads; t++) {
                    int[] n = {0};
                    store.scan(Column.QUEUES, Keys.subscriber("s" + t), (k, v) -> {
                        n[0]++;
                        return true;
                    });
                    assertEquals(perThread, n[0], policy + " s" + t);
                }
                switch (policy) {
                    case ALWAYS ->
                        assertEquals(store.stats().groups(), store.stats().syncs(), "one fsync per group");
                    case INTERVAL ->
                        await().atMost(Duration.ofSeconds(30))
                                .until(() -> store.stats().syncs() > 0);
                    case NEVER -> assertEquals(0, store.stats().syncs());
                }
            }
        }
    }

    @Test
    void aWriterFarBehindSaysSoAndResumesWaitersOnceItCaughtUp() throws Exception {
        try (RocksStore store = open(tmp.resolve("store"))) {
            assertTrue(!store.writesBehind());
            java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
            CompletableFuture<Void> blocker = new CompletableFuture<>();
            // a dependent runs on the writer thread when the write completes: it holds the writer here
            blocker.thenRun(() -> {
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            store.write(new Writes().put(Column.QUEUES, Keys.queued("s", 0), utf8("first")), blocker);
            List<CompletableFuture<Void>> behind = new ArrayList<>();
            byte[] big = new byte[1 << 20];
            for (int i = 1; i <= 9; i++) { // 9 MB waiting: past GroupCommitWriter.BEHIND_BYTES
                behind.add(store.write(new Writes().put(Column.QUEUES, Keys.queued("s", i), big)));
            }
            assertTrue(store.writesBehind());
            CompletableFuture<Void> resumed = new CompletableFuture<>();
            store.whenWritesCaughtUp(() -> resumed.complete(null));
            assertTrue(!resumed.isDone(), "resumed while the writer was still behind");

            release.countDown();
            resumed.get(10, TimeUnit.SECONDS);
            for (CompletableFuture<Void> f : behind) {
                f.get(10, TimeUnit.SECONDS);
            }
            assertTrue(!store.writesBehind());
            CompletableFuture<Void> atOnce = new CompletableFuture<>();
            store.whenWritesCaughtUp(() -> atOnce.complete(null));
            assertTrue(atOnce.isDone(), "a writer that is not behind resumes at once");
        }
    }

    @Test
    void aSecondOpenOfTheSameStoreIsRefusedNamingTheLockFile() {
        Path dir = tmp.resolve("store");
        try (RocksStore first = open(dir)) {
            StoreException e = assertThrows(StoreException.class, () -> open(dir));
            assertEquals(StoreException.Kind.LOCKED, e.kind());
            String abs = dir.toAbsolutePath().normalize().toString();
            assertTrue(
                    e.getMessage()
                            .startsWith("another broker is using the store " + abs + ": its lock file " + abs
                                    + "/LOCK is held ("),
                    e.getMessage());
            assertTrue(
                    e.getMessage()
                            .endsWith("). Only one broker may run on a data_dir: stop the other one,"
                                    + " or give this one its own data_dir."),
                    e.getMessage());
        }
        // the refused open left nothing behind: the store opens once the first is closed
        try (RocksStore again = open(dir)) {
            assertNull(again.get(Column.SESSIONS, utf8("nobody")));
        }
    }

    @Test
    void aCorruptStoreStopsTheOpenWithThePathAndTheRepairCommand() throws Exception {
        Path dir = tmp.resolve("store");
        try (RocksStore store = open(dir)) {
            store.write(new Writes().put(Column.SESSIONS, utf8("c"), utf8("x"))).get(10, TimeUnit.SECONDS);
        }
        Files.writeString(dir.resolve("CURRENT"), "garbage without a newline");
        StoreException e = assertThrows(StoreException.class, () -> open(dir));
        assertEquals(StoreException.Kind.DAMAGED, e.kind());
        String abs = dir.toAbsolutePath().normalize().toString();
        assertTrue(e.getMessage().startsWith("the store " + abs + " is damaged or unreadable: "), e.getMessage());
        assertTrue(
                e.getMessage()
                        .endsWith(". The broker does not start on a store it cannot read, so that nothing"
                                + " in it is lost silently. Way out: stop every broker on this data_dir and run"
                                + " 'bin/broker --repair-store' (keeps every record that can still be read; the damaged files are"
                                + " kept beside it), or move " + abs + " away to start with an empty store."),
                e.getMessage());
    }

    @Test
    void aStoreMissingItsCurrentFileIsNotReplacedByAnEmptyOne() throws Exception {
        Path dir = tmp.resolve("store");
        try (RocksStore store = open(dir)) {
            store.write(new Writes().put(Column.SESSIONS, utf8("c"), utf8("x"))).get(10, TimeUnit.SECONDS);
        }
        Files.delete(dir.resolve("CURRENT"));
        StoreException e = assertThrows(StoreException.class, () -> open(dir));
        assertEquals(StoreException.Kind.DAMAGED, e.kind());
        assertTrue(e.getMessage().contains("bin/broker --repair-store"), e.getMessage());
        assertTrue(Files.notExists(dir.resolve("CURRENT")), "no new, empty database was created over it");
    }

    @Test
    void aStoreOfANewerLayoutIsRefused() throws Exception {
        Path dir = tmp.resolve("store");
        try (RocksStore store = open(dir)) {
            store.write(new Writes().put(Column.META, RocksStore.LAYOUT_KEY, new byte[] {9}))
                    .get(10, TimeUnit.SECONDS);
        }
        StoreException e = assertThrows(StoreException.class, () -> open(dir));
        assertEquals(
                "the store " + dir.toAbsolutePath().normalize() + " has layout version 9; this broker reads"
                        + " version 1 (was it written by a newer broker?). Start the broker version that wrote it, or move "
                        + dir.toAbsolutePath().normalize() + " away to start with an empty store.",
                e.getMessage());
    }

    @Test
    void aWriteAfterCloseFailsInsteadOfHanging() {
        RocksStore store = open(tmp.resolve("store"));
        store.close();
        store.close(); // a second close does nothing (it once flushed a closed database: a JVM crash)
        CompletableFuture<Void> f = store.write(new Writes().put(Column.SESSIONS, utf8("c"), utf8("x")));
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(10, TimeUnit.SECONDS));
        StoreException cause = assertInstanceOf(StoreException.class, e.getCause());
        assertEquals(StoreException.Kind.CLOSED, cause.kind());
    }

    @Test
    void aReadAfterCloseFailsWithClosedInsteadOfCrashingTheJvm() throws Exception {
        RocksStore store = open(tmp.resolve("store"));
        store.write(new Writes().put(Column.SESSIONS, utf8("c"), utf8("x"))).get(10, TimeUnit.SECONDS);
        store.close();
        List<org.junit.jupiter.api.function.Executable> reads = List.of(
                () -> store.get(Column.SESSIONS, utf8("c")),
                () -> store.scan(Column.SESSIONS, new byte[0], (k, v) -> true),
                () -> store.scanKeys(Column.SESSIONS, new byte[0], k -> true),
                () -> store.forEachSubscriberPrefix(Column.QUEUES, p -> {}),
                () -> store.estimateRecords(Column.SESSIONS),
                store::diskBytes);
        for (var read : reads) {
            StoreException e = assertThrows(StoreException.class, read);
            assertEquals(StoreException.Kind.CLOSED, e.kind());
            assertTrue(e.getMessage().contains("is closed"), e.getMessage());
        }
    }

    @Test
    void readsRacingCloseEitherAnswerOrFailWithClosed() throws Exception {
        RocksStore store = open(tmp.resolve("store"));
        Writes w = new Writes();
        for (int i = 0; i < 1000; i++) {
            w.put(Column.QUEUES, utf8("k" + i), utf8("v" + i));
        }
        store.write(w).get(10, TimeUnit.SECONDS);
        ExecutorService readers = Executors.newFixedThreadPool(2);
        try {
            List<java.util.concurrent.Future<Integer>> results = new ArrayList<>();
            java.util.concurrent.CountDownLatch reading = new java.util.concurrent.CountDownLatch(2);
            for (int t = 0; t < 2; t++) {
                results.add(readers.submit(() -> {
                    reading.countDown();
                    int reads = 0;
                    while (true) {
                        try {
                            int[] n = {0};
                            store.scan(Column.QUEUES, new byte[0], (k, v) -> ++n[0] > 0);
                            store.estimateRecords(Column.QUEUES);
                            store.diskBytes();
                            reads++;
                        } catch (StoreException e) {
                            assertEquals(StoreException.Kind.CLOSED, e.kind());
                            return reads;
                        }
                    }
                }));
            }
            reading.await(10, TimeUnit.SECONDS);
            store.close();
            for (var r : results) {
                r.get(30, TimeUnit.SECONDS); // ended with CLOSED, the JVM still here
            }
        } finally {
            readers.shutdownNow();
        }
    }
}
