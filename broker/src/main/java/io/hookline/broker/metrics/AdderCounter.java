package io.hookline.broker.metrics;

import io.hookline.api.metrics.Counter;
import java.util.concurrent.atomic.LongAdder;

/** A counter over a {@link LongAdder}; thread-safe. */
public final class AdderCounter implements Counter {
    private final LongAdder adder = new LongAdder();

    @Override
    public void add(long delta) {
        if (delta < 0) {
            throw new IllegalArgumentException("a counter only goes up: " + delta);
        }
        adder.add(delta);
    }

    @Override
    public long count() {
        return adder.sum();
    }
}
