package io.hookline.broker.store.rocks;

import java.time.Clock;
import java.time.Instant;
import org.rocksdb.AbstractEventListener;
import org.rocksdb.BackgroundErrorReason;
import org.rocksdb.Status;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the store takes writes. After a write, flush or compaction fails (a full disk) RocksDB
 * stops writing and answers every write with that error; with the {@link org.rocksdb.SstFileManager}
 * the store sets, it resumes by itself once there is room again (it looks every 5 s), flushing
 * what was acknowledged into synced table files first. This follows that state for the writer
 * (no WAL sync while read-only: syncing the log whose append failed answers "Writer has previous
 * error", which RocksDB takes for a fatal error and then never resumes), for the log (one line
 * when the store goes read-only, one when it is writable again) and for {@code store show},
 * /status and metrics.
 *
 * <p>Thread-safe: RocksDB's threads (the listener) and the writer thread report under this
 * object's lock; anyone reads the volatile {@link State}.
 */
public final class StoreHealth {

    private static final Logger log = LoggerFactory.getLogger(StoreHealth.class);

    /**
     * @param writable whether the store takes writes
     * @param sinceMillis when it last changed (epoch millis; when the store opened at first)
     * @param reason while read-only: the error that stopped it (the first one); empty otherwise
     * @param readOnlyTimes how often the store went read-only since it opened
     */
    public record State(boolean writable, long sinceMillis, String reason, long readOnlyTimes) {}

    private final String where;
    private final StoreStats stats;
    private final Clock clock;
    private volatile State state;
    private long refusedBefore; // guarded by this: stats.writeErrors() when the store went read-only

    StoreHealth(String where, StoreStats stats, Clock clock) {
        this.where = where;
        this.stats = stats;
        this.clock = clock;
        this.state = new State(true, clock.millis(), "", 0);
    }

    public State state() {
        return state;
    }

    boolean writable() {
        return state.writable();
    }

    /** RocksDB reported a background error that stops writes, or a write failed: read-only from now. */
    synchronized void stopped(String reason) {
        State s = state;
        if (!s.writable()) {
            // RocksDB's recovery attempts fail the same way every 5 s while the disk is full
            log.debug("store {}: still read-only: {}", where, reason);
            return;
        }
        refusedBefore = stats.writeErrors();
        state = new State(false, clock.millis(), reason, s.readOnlyTimes() + 1);
        log.error(
                "store {} is read-only from now: {}. Until it can write again, what must be stored is refused:"
                        + " QoS 1/2 publishes get v5 0x97 Quota exceeded (3.1.1: the connection is closed),"
                        + " persistent sessions cannot connect; what is stored stays as it is, reads and"
                        + " everything else go on. {}",
                where,
                reason,
                isNoSpace(reason)
                        ? "Writes resume by themselves once the disk has room again."
                        : "If writes do not resume by themselves, fix the cause and restart the broker.");
    }

    /** RocksDB finished its recovery, or a write succeeded: writable again. */
    synchronized void resumed(String how) {
        State s = state;
        if (s.writable()) {
            return;
        }
        long now = clock.millis();
        state = new State(true, now, "", s.readOnlyTimes());
        log.info(
                "store {} is writable again ({}) after {} s read-only; {} write request(s) were refused meanwhile",
                where,
                how,
                String.format(java.util.Locale.ROOT, "%.1f", Math.max(0, now - s.sinceMillis()) / 1000.0),
                stats.writeErrors() - refusedBefore);
    }

    static boolean isNoSpace(String reason) {
        return reason.contains("No space left") || reason.contains("NoSpace") || reason.contains("no space");
    }

    /** What to register with RocksDB so that its background errors and recoveries arrive here. */
    AbstractEventListener listener() {
        return new Listener();
    }

    /** The listener's decision, apart from RocksDB (tested without a database). */
    void backgroundError(BackgroundErrorReason reason, Status status) {
        String what = describe(status);
        if (reason == BackgroundErrorReason.COMPACTION
                && status != null
                && status.getSubCode() == Status.SubCode.NoSpace) {
            // a soft error: RocksDB goes on writing and retries the compaction later
            log.warn("store {}: a compaction found no room on the disk ({}); writes go on", where, what);
            return;
        }
        stopped(what + " (" + reason.name().toLowerCase(java.util.Locale.ROOT) + ")");
    }

    private static String describe(Status status) {
        if (status == null) {
            return "unknown error";
        }
        String state = status.getState();
        return state == null || state.isEmpty() ? status.getCodeString() : state;
    }

    /** Calls back on RocksDB's threads (and on the writer thread when its own write failed); never throws into them. */
    private final class Listener extends AbstractEventListener {
        Listener() {
            super(EnabledEventCallback.ON_BACKGROUND_ERROR, EnabledEventCallback.ON_ERROR_RECOVERY_COMPLETED);
        }

        @Override
        public void onBackgroundError(BackgroundErrorReason reason, Status status) {
            try {
                backgroundError(reason, status);
            } catch (RuntimeException e) {
                log.error("store {}: handling a background error failed", where, e);
            }
        }

        @Override
        public void onErrorRecoveryCompleted(Status oldError) {
            try {
                resumed("RocksDB recovered from " + describe(oldError));
            } catch (RuntimeException e) {
                log.error("store {}: handling the end of an error recovery failed", where, e);
            }
        }
    }

    @Override
    public String toString() {
        State s = state;
        return s.writable()
                ? "writable"
                : "read-only since " + Instant.ofEpochMilli(s.sinceMillis()) + ": " + s.reason();
    }
}
