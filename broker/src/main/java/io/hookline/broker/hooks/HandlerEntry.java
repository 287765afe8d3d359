package io.hookline.broker.hooks;

import io.hookline.api.hook.AsyncHookHandler;
import io.hookline.api.hook.FailurePolicy;
import io.hookline.api.hook.Hook;
import io.hookline.api.hook.HookHandler;
import io.hookline.api.hook.HookRegistration;
import io.hookline.api.hook.input.HookInput;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One registered handler. Immutable except {@link #active} (cleared on unregister, so runs
 * already under way skip it from then on) and the log throttle. Shared across threads.
 */
public final class HandlerEntry<I extends HookInput> implements HookRegistration {
    private static final long LOG_EVERY_NANOS = 1_000_000_000L;

    final HookEngine engine;
    final Hook<I> hook;
    final PluginHandle plugin;
    final int priority;
    final long sequence;
    final boolean mayBlock;
    final long timeoutNanos;
    final Duration timeout;
    final FailurePolicy onFailure;
    final HookHandler<I> sync;
    final AsyncHookHandler<I> async;
    final CallStats stats = new CallStats();
    volatile boolean active = true;
    private final AtomicLong lastLog = new AtomicLong(System.nanoTime() - LOG_EVERY_NANOS);
    private final AtomicLong suppressed = new AtomicLong();

    HandlerEntry(HookEngine engine, Hook<I> hook, PluginHandle plugin, int priority, long sequence, boolean mayBlock,
                 Duration timeout, FailurePolicy onFailure, HookHandler<I> sync, AsyncHookHandler<I> async) {
        this.engine = engine;
        this.hook = hook;
        this.plugin = plugin;
        this.priority = priority;
        this.sequence = sequence;
        this.mayBlock = mayBlock;
        this.timeout = timeout;
        this.timeoutNanos = timeout.toNanos();
        this.onFailure = onFailure;
        this.sync = sync;
        this.async = async;
    }

    /** @return true when the handler runs on the caller's thread and answers at once */
    boolean runsInline() {
        return sync != null && !mayBlock;
    }

    @Override
    public Hook<?> hook() {
        return hook;
    }

    @Override
    public int priority() {
        return priority;
    }

    public String pluginName() {
        return plugin.name();
    }

    public CallStats stats() {
        return stats;
    }

    @Override
    public void unregister() {
        engine.unregister(this);
    }

    /**
     * @return -1 when a log line may be written now, otherwise how many were suppressed so far;
     *     a failing handler on a busy topic would otherwise flood the log
     */
    long logPermit() {
        long now = System.nanoTime();
        long last = lastLog.get();
        if (now - last >= LOG_EVERY_NANOS && lastLog.compareAndSet(last, now)) {
            return suppressed.getAndSet(0);
        }
        suppressed.incrementAndGet();
        return -1;
    }
}
