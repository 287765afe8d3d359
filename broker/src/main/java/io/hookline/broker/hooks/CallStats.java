package io.hookline.broker.hooks;

import io.hookline.broker.metrics.BucketHistogram;
import java.util.concurrent.atomic.LongAdder;

/**
 * Calls, denials, errors, timeouts, cancellations and latency of one chain or one handler. Thread-safe
 * (adders), written from event loops and worker threads alike.
 */
public final class CallStats {
    final LongAdder calls = new LongAdder();
    final LongAdder denials = new LongAdder();
    final LongAdder errors = new LongAdder();
    final LongAdder timeouts = new LongAdder();
    final LongAdder cancelled = new LongAdder();
    final BucketHistogram latency = BucketHistogram.latency();

    public long calls() {
        return calls.sum();
    }

    /** @return AUTH calls answered with a deny (an error answer or the deny policy) */
    public long denials() {
        return denials.sum();
    }

    /** @return failures: exceptions, null or invalid answers (timeouts are counted apart) */
    public long errors() {
        return errors.sum();
    }

    public long timeouts() {
        return timeouts.sum();
    }

    /**
     * @return calls whose answer was no longer wanted (the client went away while the chain
     *     waited for an async handler); neither errors nor timeouts, and without a latency sample
     */
    public long cancelled() {
        return cancelled.sum();
    }

    /** @return latency in nanoseconds */
    public BucketHistogram latency() {
        return latency;
    }
}
