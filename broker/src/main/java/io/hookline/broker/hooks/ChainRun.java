package io.hookline.broker.hooks;

import io.hookline.api.hook.Answer;
import io.hookline.api.hook.HookKind;
import io.hookline.api.hook.input.HookInput;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One run of an AUTH or REWRITE chain over a snapshot of its handlers. Inline handlers run on
 * the thread that is running the chain; an async or blocking handler suspends the run, and its
 * answer (or its timeout) resumes the run on the caller's executor, so the run is confined to
 * that executor apart from the hand-over guarded by {@link Waiting} and {@link #cancel}, which
 * any thread may call. The future completes on the caller's executor (or on the calling thread
 * when every handler answered inline).
 */
final class ChainRun<I extends HookInput> extends CompletableFuture<ChainOutcome> {
    private final HookEngine engine;
    private final HookChain<I> chain;
    private final HandlerEntry<I>[] entries;
    private final I input;
    private final Executor caller;
    private final long startNanos = System.nanoTime();
    // the async call under way, for cancel(); null while every handler answered inline
    private volatile Waiting waiting;
    private boolean anyHandler;

    ChainRun(
            HookEngine engine,
            HookChain<I> chain,
            HandlerEntry<I>[] entries,
            I input,
            Executor caller,
            boolean countsAsHandler) {
        this.engine = engine;
        this.chain = chain;
        this.entries = entries;
        this.input = input;
        this.caller = caller;
        this.anyHandler = countsAsHandler;
    }

    void start() {
        chain.stats.calls.increment();
        runFrom(0);
    }

    private void runFrom(int from) {
        for (int i = from; i < entries.length; i++) {
            if (isDone()) {
                return; // cancelled while an answer was on its way to this step
            }
            HandlerEntry<I> e = entries[i];
            if (!e.active) {
                continue;
            }
            anyHandler = true;
            e.stats.calls.increment();
            if (!e.runsInline()) {
                startAsync(e, i);
                return;
            }
            long t0 = System.nanoTime();
            Answer answer = null;
            Throwable failure = null;
            e.plugin.enter();
            try {
                answer = e.sync.handle(input);
            } catch (Throwable t) {
                failure = HookEngine.rethrowFatal(t);
            } finally {
                e.plugin.exit();
            }
            long nanos = System.nanoTime() - t0;
            // an inline handler cannot be interrupted; one that overran its timeout (and held up
            // the event loop) is still treated as timed out, so the policy is the same either way
            if (decide(e, answer, failure, nanos > e.timeoutNanos, nanos)) {
                return;
            }
        }
        finish(anyHandler ? ChainOutcome.ALL_NEXT : ChainOutcome.NO_HANDLER);
    }

    private void startAsync(HandlerEntry<I> e, int index) {
        long t0 = System.nanoTime();
        e.plugin.enter();
        CompletionStage<Answer> stage;
        try {
            stage = engine.invokeOffLoop(e, input);
        } catch (Throwable t) {
            e.plugin.exit();
            if (!decide(e, null, HookEngine.rethrowFatal(t), false, System.nanoTime() - t0)) {
                runFrom(index + 1);
            }
            return;
        }
        if (stage == null) {
            e.plugin.exit();
            if (!decide(
                    e,
                    null,
                    new NullPointerException("handler returned a null CompletionStage"),
                    false,
                    System.nanoTime() - t0)) {
                runFrom(index + 1);
            }
            return;
        }
        Waiting w = new Waiting(e, index, t0, stage);
        w.timer = engine.timer().schedule(() -> w.settle(null, null, true), e.timeoutNanos, TimeUnit.NANOSECONDS);
        stage.whenComplete((answer, failure) -> w.settle(answer, HookEngine.unwrap(failure), false));
        waiting = w;
        // a cancel that came while this call was being started did not see it: take it back now
        if (isCancelled()) {
            w.cancel();
        }
    }

    /**
     * Stops the run: no further handler is called, the call being waited for is cancelled (its
     * stage too, when it is a {@link CompletableFuture}) and its late answer ignored. Counted as
     * cancelled, not as an error or a timeout, and not logged: the caller no longer wants the
     * answer (the client went away). The run completes with a {@link java.util.concurrent.CancellationException}.
     */
    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        if (!super.cancel(mayInterruptIfRunning)) {
            return false;
        }
        chain.stats.cancelled.increment();
        Waiting w = waiting;
        if (w != null) {
            w.cancel();
        }
        return true;
    }

    /**
     * The async call the run is waiting for. It settles once, by whichever comes first: its
     * answer, its timeout or the run's cancellation; only that one releases the plugin's
     * in-flight count (a call that never answers must not hold up disabling the plugin) and
     * only an answer or a timeout resumes the run.
     */
    private final class Waiting extends AtomicBoolean {
        private static final long serialVersionUID = 1L;
        final HandlerEntry<I> entry;
        final int index;
        final long t0;
        final CompletionStage<Answer> stage;
        volatile ScheduledFuture<?> timer;

        Waiting(HandlerEntry<I> entry, int index, long t0, CompletionStage<Answer> stage) {
            this.entry = entry;
            this.index = index;
            this.t0 = t0;
            this.stage = stage;
        }

        void settle(Answer answer, Throwable failure, boolean timedOut) {
            if (!compareAndSet(false, true)) {
                return; // the other of answer/timeout came first, or the run was cancelled
            }
            entry.plugin.exit();
            ScheduledFuture<?> t = timer;
            if (!timedOut && t != null) {
                t.cancel(false);
            }
            if (timedOut && stage instanceof CompletableFuture<?> f) {
                f.cancel(false); // the answer no longer counts: tell the handler to stop working on it
            }
            resume(this, answer, failure, timedOut);
        }

        void cancel() {
            if (!compareAndSet(false, true)) {
                return;
            }
            entry.plugin.exit();
            entry.stats.cancelled.increment();
            ScheduledFuture<?> t = timer;
            if (t != null) {
                t.cancel(false);
            }
            if (stage instanceof CompletableFuture<?> f) {
                f.cancel(false); // tells the handler; its completion is ignored (settled above)
            }
        }
    }

    private void resume(Waiting w, Answer answer, Throwable failure, boolean timedOut) {
        long nanos = System.nanoTime() - w.t0;
        Runnable step = () -> {
            if (isCancelled()) {
                w.entry.stats.cancelled.increment(); // answered, but after the caller gave up
                return;
            }
            if (!decide(w.entry, answer, failure, timedOut, nanos)) {
                runFrom(w.index + 1);
            }
        };
        try {
            caller.execute(step);
        } catch (RejectedExecutionException shutDown) {
            // the client's event loop is gone; finish here so nothing waits forever
            step.run();
        }
    }

    /** @return true when the run finished */
    private boolean decide(HandlerEntry<I> e, Answer answer, Throwable failure, boolean timedOut, long nanos) {
        e.stats.latency.recordNanos(nanos);
        if (timedOut) {
            e.stats.timeouts.increment();
            chain.stats.timeouts.increment();
            engine.logFailure(e, input, "timed out after " + e.timeout.toMillis() + " ms", null);
            return applyPolicy(e);
        }
        if (failure != null) {
            return fail(e, "threw " + failure, failure);
        }
        if (answer == null) {
            return fail(e, "returned null", null);
        }
        if (answer instanceof Answer.Next) {
            return false;
        }
        if (answer instanceof Answer.Ok ok) {
            String invalid = ModifierValidation.check(chain.hook, input, ok.modifiers());
            if (invalid != null) {
                return fail(e, invalid, null);
            }
            finish(ChainOutcome.allowed(ok.modifiers(), e.pluginName()));
            return true;
        }
        Answer.Error error = (Answer.Error) answer;
        if (chain.hook.kind() == HookKind.AUTH) {
            e.stats.denials.increment();
        } else {
            engine.logRewriteError(e, input, error);
        }
        finish(ChainOutcome.denied(error, e.pluginName()));
        return true;
    }

    private boolean fail(HandlerEntry<I> e, String what, Throwable failure) {
        e.stats.errors.increment();
        chain.stats.errors.increment();
        engine.logFailure(e, input, what, failure);
        return applyPolicy(e);
    }

    private boolean applyPolicy(HandlerEntry<I> e) {
        switch (e.onFailure) {
            case NEXT:
                return false;
            case ALLOW:
                finish(
                        chain.hook.kind() == HookKind.AUTH
                                ? ChainOutcome.allowed(io.hookline.api.hook.Modifiers.NONE, e.pluginName())
                                : ChainOutcome.denied(HookEngine.HANDLER_FAILED, e.pluginName()));
                return true;
            case DENY:
            default:
                if (chain.hook.kind() == HookKind.AUTH) {
                    e.stats.denials.increment();
                }
                finish(ChainOutcome.denied(HookEngine.HANDLER_FAILED, e.pluginName()));
                return true;
        }
    }

    private void finish(ChainOutcome outcome) {
        if (isDone()) {
            return; // cancelled meanwhile
        }
        chain.stats.latency.recordNanos(System.nanoTime() - startNanos);
        if (outcome.status() == ChainOutcome.Status.DENIED && chain.hook.kind() == HookKind.AUTH) {
            chain.stats.denials.increment();
        }
        complete(outcome);
    }
}
