package io.hookline.broker.hooks;

import io.hookline.api.hook.AsyncHookHandler;
import io.hookline.api.hook.FailurePolicy;
import io.hookline.api.hook.Hook;
import io.hookline.api.hook.HookHandler;
import io.hookline.api.hook.HookRegistration;
import io.hookline.api.hook.Modifiers;
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
    /** Which of the plugin's rule sets this handler belongs to (see {@code HandlerOptions.source}). */
    final String source;
    /** For a 3.1.1 handler lent to the {@code _m5} chain: the handler it calls; null otherwise. */
    final HandlerEntry<?> origin;

    final CallStats stats = new CallStats();
    /** This handler's plain {@code ok} as a chain outcome, made once: the common answer allocates nothing. */
    final ChainOutcome allowedPlain;
    /** The copy of this 3.1.1 handler serving the {@code _m5} chain, while there is one. Guarded by the engine. */
    HandlerEntry<I> lent;

    volatile boolean active = true;
    private final AtomicLong lastLog = new AtomicLong(System.nanoTime() - LOG_EVERY_NANOS);
    private final AtomicLong suppressed = new AtomicLong();

    HandlerEntry(
            HookEngine engine,
            Hook<I> hook,
            PluginHandle plugin,
            int priority,
            long sequence,
            boolean mayBlock,
            Duration timeout,
            FailurePolicy onFailure,
            HookHandler<I> sync,
            AsyncHookHandler<I> async,
            String source,
            HandlerEntry<?> origin) {
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
        this.source = source;
        this.origin = origin;
        this.allowedPlain = ChainOutcome.allowed(Modifiers.NONE, plugin.name());
        plugin.track(stats);
    }

    /** @return true when {@code other} is of the same plugin and rule set */
    boolean sameSource(HandlerEntry<?> other) {
        return plugin.name().equals(other.plugin.name()) && source.equals(other.source);
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
