package io.hookline.broker.hooks;

import io.hookline.api.hook.Answer;
import io.hookline.api.hook.HookKind;
import io.hookline.api.hook.Modifiers;
import io.hookline.api.hook.input.HookInput;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One run of an AUTH or REWRITE chain over a snapshot of its handlers. Inline handlers run on
 * the thread that is running the chain; an async or blocking handler suspends the run, and its
 * answer (or its timeout) resumes the run on the caller's executor, so the run is confined to
 * that executor apart from the hand-over guarded by {@link Waiting} and {@link #cancel}, which
 * any thread may call. The future completes on the caller's executor (or on the calling thread
 * when every handler answered inline). A chain whose handlers all answer inline is run by
 * {@link #runInline} instead: the same steps, statistics and policies, without this object.
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
        chain.stats.countCall();
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
            CallStats.Cell cell = e.stats.cell(); // this thread's: counts the call and, inline, its outcome
            cell.call();
            if (!e.runsInline()) {
                startAsync(e, cell, i);
                return;
            }
            long t0 = System.nanoTime();
            Object answered = callInline(e, cell, input);
            long nanos = System.nanoTime() - t0;
            // an inline handler cannot be interrupted; one that overran its timeout (and held up
            // the event loop) is still treated as timed out, so the policy is the same either way
            if (decide(e, cell, answered, nanos > e.timeoutNanos, nanos)) {
                return;
            }
        }
        finish(anyHandler ? ChainOutcome.ALL_NEXT : ChainOutcome.NO_HANDLER);
    }

    private void startAsync(HandlerEntry<I> e, CallStats.Cell cell, int index) {
        long t0 = System.nanoTime();
        e.plugin.enter();
        CompletionStage<Answer> stage;
        try {
            stage = engine.invokeOffLoop(e, input);
        } catch (Throwable t) {
            e.plugin.exit();
            if (!decide(e, cell, HookEngine.rethrowFatal(t), false, System.nanoTime() - t0)) {
                runFrom(index + 1);
            }
            return;
        }
        if (stage == null) {
            e.plugin.exit();
            if (!decide(
                    e,
                    cell,
                    new NullPointerException("handler returned a null CompletionStage"),
                    false,
                    System.nanoTime() - t0)) {
                runFrom(index + 1);
            }
            return;
        }
        Waiting w = new Waiting(e, index, t0, stage);
        w.timer = schedule(w, e.timeoutNanos);
        stage.whenComplete((answer, failure) -> w.settle(answer, HookEngine.unwrap(failure), false));
        waiting = w;
        // a cancel that came while this call was being started did not see it: take it back now
        if (isCancelled()) {
            w.cancel();
        }
    }

    /**
     * Schedules the call's timeout on the caller when it can take timers (a client's event loop
     * can: there it is a task in the loop's own queue, added and removed without a lock, and the
     * answer is handed to the loop anyway), else on the engine's timer thread.
     */
    private ScheduledFuture<?> schedule(Waiting w, long nanos) {
        if (caller instanceof ScheduledExecutorService loop) {
            try {
                ScheduledFuture<?> t = loop.schedule(w::timedOut, nanos, TimeUnit.NANOSECONDS);
                w.timerOnCaller = true;
                return t;
            } catch (RejectedExecutionException shutDown) {
                // the caller is closing: the engine's timer still ends the call
            }
        }
        return engine.timer().schedule(w::timedOut, nanos, TimeUnit.NANOSECONDS);
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
        chain.stats.countCancelled();
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
        // the timer is a task of the caller's: it is cancelled there, in the step that resumes the
        // run, not from the answering thread (which would queue the removal as one more task)
        volatile boolean timerOnCaller;

        Waiting(HandlerEntry<I> entry, int index, long t0, CompletionStage<Answer> stage) {
            this.entry = entry;
            this.index = index;
            this.t0 = t0;
            this.stage = stage;
        }

        void timedOut() {
            settle(null, null, true);
        }

        void settle(Answer answer, Throwable failure, boolean timedOut) {
            if (!compareAndSet(false, true)) {
                return; // the other of answer/timeout came first, or the run was cancelled
            }
            entry.plugin.exit();
            if (!timedOut && !timerOnCaller) {
                cancelTimer();
            }
            if (timedOut && stage instanceof CompletableFuture<?> f) {
                f.cancel(false); // the answer no longer counts: tell the handler to stop working on it
            }
            resume(this, answer, failure, timedOut);
        }

        void cancelTimer() {
            ScheduledFuture<?> t = timer;
            if (t != null) {
                t.cancel(false);
            }
        }

        void cancel() {
            if (!compareAndSet(false, true)) {
                return;
            }
            entry.plugin.exit();
            entry.stats.countCancelled();
            cancelTimer();
            if (stage instanceof CompletableFuture<?> f) {
                f.cancel(false); // tells the handler; its completion is ignored (settled above)
            }
        }
    }

    private void resume(Waiting w, Answer answer, Throwable failure, boolean timedOut) {
        long nanos = System.nanoTime() - w.t0;
        Runnable step = () -> {
            if (!timedOut && w.timerOnCaller) {
                w.cancelTimer(); // on the caller: the timer leaves its queue at once
            }
            if (isCancelled()) {
                w.entry.stats.countCancelled(); // answered, but after the caller gave up
                return;
            }
            // on the caller again, maybe another thread than the one that started the call: its own cell
            if (!decide(w.entry, w.entry.stats.cell(), failure != null ? failure : answer, timedOut, nanos)) {
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

    /**
     * @param cell the calling thread's cell of {@code e}'s statistics
     * @param answered the handler's {@link Answer}, or the {@link Throwable} it threw or failed with
     * @return true when the run finished
     */
    private boolean decide(HandlerEntry<I> e, CallStats.Cell cell, Object answered, boolean timedOut, long nanos) {
        ChainOutcome outcome = outcome(engine, chain, input, e, cell, answered, timedOut, nanos);
        if (outcome == null) {
            return false;
        }
        finish(outcome);
        return true;
    }

    private void finish(ChainOutcome outcome) {
        if (isDone()) {
            return; // cancelled meanwhile
        }
        finished(chain, chain.stats.cell(), outcome, System.nanoTime() - startNanos);
        complete(outcome);
    }

    /**
     * Runs the whole chain on the calling thread when every active handler answers inline (the
     * usual Java plugin): the same steps, statistics, timeouts and failure policies as a run,
     * without a run object, a future or a dependent stage. Nothing can cancel it: it is over
     * when this returns.
     *
     * @return how the chain ended, or null, having called no handler, when one of them does not
     *     answer inline (then start a {@link ChainRun})
     */
    static <I extends HookInput> ChainOutcome runInline(
            HookEngine engine, HookChain<I> chain, HandlerEntry<I>[] entries, I input, boolean countsAsHandler) {
        for (HandlerEntry<I> e : entries) {
            if (e.active && !e.runsInline()) {
                return null;
            }
        }
        // one cell look-up per chain and per handler; the counts are plain stores in them (CallStats)
        CallStats.Cell chainCell = chain.stats.cell();
        chainCell.call();
        boolean anyHandler = countsAsHandler;
        long start = System.nanoTime();
        long end = start;
        boolean first = true;
        for (HandlerEntry<I> e : entries) {
            if (!e.active) {
                continue;
            }
            // the first handler starts when the chain does: one clock read fewer per call
            long t0 = first ? start : System.nanoTime();
            first = false;
            anyHandler = true;
            CallStats.Cell cell = e.stats.cell();
            cell.call();
            Object answered = callInline(e, cell, input);
            end = System.nanoTime();
            long nanos = end - t0;
            ChainOutcome outcome = outcome(engine, chain, input, e, cell, answered, nanos > e.timeoutNanos, nanos);
            if (outcome != null) {
                return finished(chain, chainCell, outcome, end - start);
            }
        }
        return finished(chain, chainCell, anyHandler ? ChainOutcome.ALL_NEXT : ChainOutcome.NO_HANDLER, end - start);
    }

    /**
     * Calls inline handler {@code e}, counted among its plugin's calls in flight while it runs.
     * Every inline call goes through here (both paths of a chain, and a notification's handlers,
     * {@link HookEngine}); the answer and a failure share one return value so that nothing is
     * allocated per call.
     *
     * @return the handler's {@link Answer} (null when it returned none), or the {@link Throwable}
     *     it threw (a fatal error is rethrown)
     */
    static <I extends HookInput> Object callInline(HandlerEntry<I> e, CallStats.Cell cell, I input) {
        cell.enter(); // the plugin's in-flight count, in the cell at hand (PluginHandle)
        try {
            return e.sync.handle(input);
        } catch (Throwable t) {
            return HookEngine.rethrowFatal(t);
        } finally {
            cell.exit();
            e.plugin.exitedInline();
        }
    }

    /**
     * What one handler's answer (or failure, or timeout) means for the chain, its statistics
     * counted. An inline handler cannot be interrupted; one that overran its timeout (and held up
     * the event loop) is still treated as timed out, so the policy is the same either way.
     *
     * @param answered the handler's {@link Answer} (null when it returned none), or the {@link
     *     Throwable} it threw or its stage failed with
     * @return the chain's outcome when this answer ends it, null when the next handler is asked
     */
    private static <I extends HookInput> ChainOutcome outcome(
            HookEngine engine,
            HookChain<I> chain,
            I input,
            HandlerEntry<I> e,
            CallStats.Cell cell,
            Object answered,
            boolean timedOut,
            long nanos) {
        cell.latency(nanos);
        if (timedOut) {
            cell.timeout();
            chain.stats.countTimeout();
            engine.logFailure(e, input, "timed out after " + e.timeout.toMillis() + " ms", null);
            return applyPolicy(chain, e, cell);
        }
        if (answered instanceof Throwable failure) {
            return fail(engine, chain, input, e, cell, "threw " + failure, failure);
        }
        if (answered == null) {
            return fail(engine, chain, input, e, cell, "returned null", null);
        }
        if (answered instanceof Answer.Next) {
            return null;
        }
        if (answered instanceof Answer.Ok ok) {
            if (ok.modifiers() == Modifiers.NONE) {
                return e.allowedPlain; // nothing to validate; the outcome is the handler's shared one
            }
            String invalid = ModifierValidation.check(chain.hook, input, ok.modifiers());
            if (invalid != null) {
                return fail(engine, chain, input, e, cell, invalid, null);
            }
            return ChainOutcome.allowed(ok.modifiers(), e.pluginName());
        }
        Answer.Error error = (Answer.Error) answered;
        if (chain.hook.kind() == HookKind.AUTH) {
            cell.denial();
        } else {
            engine.logRewriteError(e, input, error);
        }
        return ChainOutcome.denied(error, e.pluginName());
    }

    private static <I extends HookInput> ChainOutcome fail(
            HookEngine engine,
            HookChain<I> chain,
            I input,
            HandlerEntry<I> e,
            CallStats.Cell cell,
            String what,
            Throwable failure) {
        cell.error();
        chain.stats.countError();
        engine.logFailure(e, input, what, failure);
        return applyPolicy(chain, e, cell);
    }

    private static ChainOutcome applyPolicy(HookChain<?> chain, HandlerEntry<?> e, CallStats.Cell cell) {
        switch (e.onFailure) {
            case NEXT:
                return null;
            case ALLOW:
                return chain.hook.kind() == HookKind.AUTH
                        ? ChainOutcome.allowed(Modifiers.NONE, e.pluginName())
                        : ChainOutcome.denied(HookEngine.HANDLER_FAILED, e.pluginName());
            case DENY:
            default:
                if (chain.hook.kind() == HookKind.AUTH) {
                    cell.denial();
                }
                return ChainOutcome.denied(HookEngine.HANDLER_FAILED, e.pluginName());
        }
    }

    /** Counts a finished chain (its latency, and a denial of an AUTH chain). */
    private static ChainOutcome finished(
            HookChain<?> chain, CallStats.Cell chainCell, ChainOutcome outcome, long nanos) {
        chainCell.latency(nanos);
        if (outcome.status() == ChainOutcome.Status.DENIED && chain.hook.kind() == HookKind.AUTH) {
            chainCell.denial();
        }
        return outcome;
    }
}
