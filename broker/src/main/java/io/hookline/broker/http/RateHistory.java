package io.hookline.broker.http;

import io.hookline.broker.metrics.BrokerMetrics;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * A rolling window of message and byte rates, one sample per tick of the broker's timer, for the
 * status page's chart. Reads the broker's adders (no counting of its own). Thread-safe: guarded
 * by {@code this}; the timer writes, HTTP workers read.
 */
final class RateHistory {

    /** Rates per second over one interval ending at {@code atMillis}. */
    record Sample(
            long atMillis,
            double messagesIn,
            double messagesOut,
            double bytesIn,
            double bytesOut,
            double dropped,
            int connections) {}

    private record Reading(
            long nanos, long millis, long messagesIn, long messagesOut, long bytesIn, long bytesOut, long dropped) {}

    private final BrokerMetrics metrics;
    private final int capacity;
    private final ArrayDeque<Sample> samples = new ArrayDeque<>(); // guarded by this
    private Reading last; // guarded by this

    RateHistory(BrokerMetrics metrics, int capacity) {
        this.metrics = metrics;
        this.capacity = capacity;
        this.last = read();
    }

    /** Closes the current interval: appends its rates and starts the next one. */
    synchronized void sample() {
        Reading now = read();
        Sample s = rates(last, now);
        if (s != null) {
            samples.addLast(s);
            if (samples.size() > capacity) {
                samples.removeFirst();
            }
        }
        last = now;
    }

    /** @return the samples, oldest first, plus the interval under way when it is long enough to say something */
    synchronized List<Sample> samples() {
        List<Sample> out = new ArrayList<>(samples.size() + 1);
        out.addAll(samples);
        Sample current = rates(last, read());
        if (current != null && current.atMillis() - last.millis() >= 200) {
            out.add(current);
        }
        return out;
    }

    private Sample rates(Reading from, Reading to) {
        double seconds = (to.nanos() - from.nanos()) / 1e9;
        if (seconds <= 0) {
            return null;
        }
        return new Sample(
                to.millis(),
                (to.messagesIn() - from.messagesIn()) / seconds,
                (to.messagesOut() - from.messagesOut()) / seconds,
                (to.bytesIn() - from.bytesIn()) / seconds,
                (to.bytesOut() - from.bytesOut()) / seconds,
                (to.dropped() - from.dropped()) / seconds,
                metrics.connections().get());
    }

    private Reading read() {
        return new Reading(
                System.nanoTime(),
                System.currentTimeMillis(),
                metrics.messagesIn(),
                metrics.messagesOut(),
                metrics.bytesIn(),
                metrics.bytesOut(),
                metrics.droppedTotal());
    }
}
