package io.hookline.broker.hooks;

import io.hookline.api.Cancellable;
import io.hookline.api.auth.ReadCheck;
import io.hookline.api.hook.input.Client;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The plugins' read checks ({@link ReadCheck}): asked for each message routed to a session;
 * any {@code false} drops that delivery. With none installed, {@link #isEmpty} is one volatile
 * read and nothing else runs, so the routing fast path pays nothing.
 *
 * <p>Thread-safe: the installed checks are a copy-on-write array (installs are rare, reads are
 * per delivery on every event loop); a check that throws counts as {@code false} (fails closed)
 * and is logged at most once a minute.
 */
public final class ReadChecks {
    private static final Logger log = LoggerFactory.getLogger(ReadChecks.class);
    private static final long LOG_INTERVAL_NANOS = 60_000_000_000L;
    private static final Entry[] NONE = {};

    private record Entry(String plugin, ReadCheck check) {}

    private volatile Entry[] entries = NONE; // replaced whole under this
    private final LongAdder failures = new LongAdder();
    private final AtomicLong nextLogNanos = new AtomicLong(Long.MIN_VALUE);

    /** Installs {@code check} for {@code plugin}; the handle removes it (idempotent). */
    public Cancellable add(String plugin, ReadCheck check) {
        Entry e = new Entry(Objects.requireNonNull(plugin), Objects.requireNonNull(check, "check"));
        synchronized (this) {
            Entry[] now = entries;
            Entry[] next = Arrays.copyOf(now, now.length + 1);
            next[now.length] = e;
            entries = next;
        }
        return () -> remove(e);
    }

    private synchronized void remove(Entry e) {
        Entry[] now = entries;
        Entry[] next = Arrays.stream(now).filter(x -> x != e).toArray(Entry[]::new);
        entries = next.length == 0 ? NONE : next;
    }

    /** @return true when no check is installed: every delivery may go */
    public boolean isEmpty() {
        return entries.length == 0;
    }

    /** @return how many checks are installed */
    public int size() {
        return entries.length;
    }

    /** @return how many calls threw (each counted as a refusal) */
    public long failures() {
        return failures.sum();
    }

    /**
     * @param topic as {@code subscriber} sees it (without its mountpoint)
     * @return true when every installed check lets {@code subscriber} receive {@code topic}
     */
    public boolean mayRead(Client subscriber, String topic) {
        for (Entry e : entries) {
            try {
                if (!e.check.mayRead(subscriber, topic)) {
                    return false;
                }
            } catch (RuntimeException ex) {
                failed(e, ex);
                return false;
            }
        }
        return true;
    }

    private void failed(Entry e, RuntimeException ex) {
        failures.increment();
        long now = System.nanoTime();
        long next = nextLogNanos.get();
        if ((next == Long.MIN_VALUE || now - next >= 0) && nextLogNanos.compareAndSet(next, now + LOG_INTERVAL_NANOS)) {
            log.warn(
                    "read check of plugin {} failed; the delivery is dropped (logged at most once a minute; {} failures so far)",
                    e.plugin,
                    failures.sum(),
                    ex);
        }
    }
}
