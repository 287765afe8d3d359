package io.hookline.broker.metrics;

import io.hookline.broker.metrics.BrokerMetrics.Counter;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The log line of an abuse limit: one WARN per limit the first time it is hit and then at most
 * once a minute, saying how many more hits there were, so a client hammering a limit cannot
 * flood the log. Every hit is also counted in {@link BrokerMetrics} (and so in /metrics).
 *
 * <p>Thread-safe: one atomic timestamp and counter per limit.
 */
public final class LimitLog {

    private static final Logger log = LoggerFactory.getLogger("io.hookline.broker.limits");
    private static final long INTERVAL_NANOS = 60_000_000_000L;

    private final BrokerMetrics metrics;
    private final Map<Counter, State> states = new EnumMap<>(Counter.class);

    private static final class State {
        final AtomicLong nextLogNanos = new AtomicLong(Long.MIN_VALUE);
        final AtomicLong suppressed = new AtomicLong();
    }

    public LimitLog(BrokerMetrics metrics) {
        this.metrics = metrics;
        for (Counter c : Counter.values()) {
            states.put(c, new State());
        }
    }

    /** Counts a hit of {@code limit} and logs {@code who: what} unless the limit was logged less than a minute ago. */
    public void hit(Counter limit, String who, String what) {
        metrics.count(limit);
        State s = states.get(limit);
        long now = System.nanoTime();
        long next = s.nextLogNanos.get();
        if ((next != Long.MIN_VALUE && now - next < 0) || !s.nextLogNanos.compareAndSet(next, now + INTERVAL_NANOS)) {
            s.suppressed.incrementAndGet();
            return;
        }
        long more = s.suppressed.getAndSet(0);
        if (more == 0) {
            log.warn(
                    "{}: {} (limit {}; further hits are logged at most once a minute)",
                    who,
                    what,
                    limit.name().toLowerCase(java.util.Locale.ROOT));
        } else {
            log.warn(
                    "{}: {} (limit {}; {} more hits in the last minute)",
                    who,
                    what,
                    limit.name().toLowerCase(java.util.Locale.ROOT),
                    more);
        }
    }
}
