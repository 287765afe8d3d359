package io.hookline.broker.store.rocks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.hookline.broker.testsupport.ManualTime;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.rocksdb.BackgroundErrorReason;
import org.rocksdb.Status;
import org.slf4j.LoggerFactory;

/**
 * The store's read-only / writable state machine on its own (no RocksDB): what moves it, what it
 * keeps and the one log line per change. {@link DiskFullTest} drives it with a real full disk.
 */
class StoreHealthTest {

    private static final String NO_SPACE = "While appending to file: /d/store/000004.log: No space left on device";

    private final Logger logger = (Logger) LoggerFactory.getLogger(StoreHealth.class);
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private final ManualTime time = new ManualTime();
    private final StoreStats stats = new StoreStats();
    private final StoreHealth health = new StoreHealth("/d/store", stats, time.clock());

    @BeforeEach
    void capture() {
        appender.start();
        logger.addAppender(appender);
    }

    @AfterEach
    void release() {
        logger.detachAppender(appender);
    }

    private List<String> lines(Level level) {
        return appender.list.stream()
                .filter(e -> e.getLevel() == level)
                .map(ILoggingEvent::getFormattedMessage)
                .toList();
    }

    private static Status noSpace() {
        return new Status(Status.Code.IOError, Status.SubCode.NoSpace, NO_SPACE);
    }

    @Test
    void aNewStoreIsWritable() {
        StoreHealth.State s = health.state();
        assertTrue(s.writable());
        assertEquals("", s.reason());
        assertEquals(0, s.readOnlyTimes());
        assertEquals(ManualTime.START_MILLIS, s.sinceMillis());
        assertEquals("writable", health.toString());
    }

    @Test
    void aFullDiskMakesItReadOnlyOnceAndItsRecoveryWritableAgainOnce() {
        time.advance(Duration.ofSeconds(5));
        health.backgroundError(BackgroundErrorReason.WRITE_CALLBACK, noSpace());
        StoreHealth.State s = health.state();
        assertFalse(s.writable());
        assertEquals(NO_SPACE + " (write_callback)", s.reason());
        assertEquals(ManualTime.START_MILLIS + 5_000, s.sinceMillis());
        assertEquals(1, s.readOnlyTimes());
        List<String> errors = lines(Level.ERROR);
        assertEquals(1, errors.size(), errors.toString());
        assertTrue(errors.get(0).startsWith("store /d/store is read-only from now: " + NO_SPACE), errors.get(0));
        assertTrue(errors.get(0).contains("0x97"), errors.get(0));
        assertTrue(errors.get(0).endsWith("Writes resume by themselves once the disk has room again."), errors.get(0));

        // the failed write the writer sees, and RocksDB's failed recovery attempts: no new line, the first reason kept
        stats.writeFailed(3);
        health.stopped("IO error: No space left on device");
        health.backgroundError(BackgroundErrorReason.FLUSH, noSpace());
        stats.writeFailed(2);
        assertEquals(1, lines(Level.ERROR).size());
        assertEquals(NO_SPACE + " (write_callback)", health.state().reason());
        assertEquals(ManualTime.START_MILLIS + 5_000, health.state().sinceMillis());

        time.advance(Duration.ofSeconds(42));
        health.resumed("RocksDB recovered");
        s = health.state();
        assertTrue(s.writable());
        assertEquals("", s.reason());
        assertEquals(ManualTime.START_MILLIS + 47_000, s.sinceMillis());
        assertEquals(1, s.readOnlyTimes(), "how often it went read-only is kept");
        assertEquals(
                List.of("store /d/store is writable again (RocksDB recovered) after 42.0 s read-only;"
                        + " 5 write request(s) were refused meanwhile"),
                lines(Level.INFO));

        // the writer's first successful write after RocksDB's own notice changes nothing
        health.resumed("a write succeeded");
        assertEquals(1, lines(Level.INFO).size());
        assertEquals(ManualTime.START_MILLIS + 47_000, health.state().sinceMillis());

        // a second full disk counts as a second time
        health.stopped(NO_SPACE);
        assertEquals(2, health.state().readOnlyTimes());
        assertEquals(2, lines(Level.ERROR).size());
    }

    @Test
    void aCompactionWithoutRoomDoesNotStopWrites() {
        // RocksDB takes this one for a soft error: writes go on, the compaction is retried
        health.backgroundError(BackgroundErrorReason.COMPACTION, noSpace());
        assertTrue(health.writable());
        assertEquals(1, lines(Level.WARN).size());
        assertTrue(lines(Level.ERROR).isEmpty());
    }

    @Test
    void anErrorThatIsNotAFullDiskSaysRocksDbMayNotResume() {
        health.backgroundError(
                BackgroundErrorReason.COMPACTION, new Status(Status.Code.IOError, Status.SubCode.None, "EIO"));
        assertFalse(health.writable());
        String line = lines(Level.ERROR).get(0);
        assertTrue(line.contains("EIO (compaction)"), line);
        assertTrue(line.endsWith("If writes do not resume by themselves, fix the cause and restart the broker."), line);
    }

    @Test
    void aBackgroundErrorWithoutAStatusStillStopsWrites() {
        health.backgroundError(BackgroundErrorReason.MEMTABLE, null);
        assertFalse(health.writable());
        assertEquals("unknown error (memtable)", health.state().reason());
    }

    @Test
    void resumingAWritableStoreChangesNothing() {
        health.resumed("a write succeeded");
        assertTrue(health.writable());
        assertEquals(0, health.state().readOnlyTimes());
        assertTrue(lines(Level.INFO).isEmpty());
    }
}
