package io.hookline.lua;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiConsumer;
import java.util.function.Function;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Prototype;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One loaded version of a script: its compiled chunk and a pool of Lua states that run it.
 * A call takes an idle state, or waits in line for one without holding a thread; it runs on the
 * runtime's executor, never two calls at once on one state. When a newer version takes over,
 * calls already handed to this one still finish here.
 *
 * <p>A call the caller cancelled before it started (the broker gave up on the answer: the client
 * left during auth_on_register) is skipped: it leaves the line at once, or, when a state was
 * already handed to it, gives the state back without running the script. A call already running
 * is not interrupted; it runs to its end or its budget, and its answer is dropped.
 *
 * <p>A state whose call ran out of time is dropped. Building a state (libraries, bindings, the
 * script's chunk) can take longer than a small {@code lua.call_timeout}, so it never happens on a
 * call's time: the serving version keeps one spare state, built in the background, that takes the
 * dropped state's place at once; the next spare is then built in the background. One build at a
 * time per version, so a storm of runaway calls holds at most {@code size + 1} states; calls that
 * find no state wait in line (their budget running) until a build delivers one.
 *
 * <p>A call thread that frees a state while calls wait in line runs the first of them itself,
 * so a busy version's calls go from one to the next on the thread that holds the state instead of
 * being handed to another thread each.
 *
 * <p>Thread-safe: the states, the spare, the waiting calls and the build flag are guarded by
 * {@code this}; a thread's {@code Worker} is confined to that thread.
 */
final class ScriptVersion {
    /** The compiled script: its name (for logs and errors), file and chunk. */
    record Source(String name, Path file, Prototype prototype) {}

    private final Source source;
    private final int number;
    private final LuaRuntime runtime;
    private final Logger log;
    private final List<String> hooks;
    private final int size;
    private final boolean keepState;
    private final LongAdder queued;
    private static final long QUEUED_WARNING_EVERY_NANOS = TimeUnit.SECONDS.toNanos(10);
    private final AtomicLong lastQueuedWarning = new AtomicLong(System.nanoTime() - QUEUED_WARNING_EVERY_NANOS);
    private final ArrayDeque<LuaState> idle = new ArrayDeque<>(); // guarded by this
    private final ArrayDeque<Call<?>> waiting = new ArrayDeque<>(); // guarded by this
    private int live; // guarded by this: states in rotation, idle or running a call
    private LuaState spare; // guarded by this
    private boolean building; // guarded by this: a background build is running
    private boolean retired; // guarded by this: a newer version serves; no more spares
    private String buildError; // guarded by this: why the last state build failed, null after one succeeded

    /**
     * Builds every state (running the chunk in each).
     *
     * @param configuredStates {@code lua.NAME.num_states}, or 0 to take the script's {@code num_states}
     *     (else the runtime's default)
     * @param queued counts the calls that found no idle state and waited in line
     * @throws ScriptException when a state cannot be built
     */
    ScriptVersion(Source source, int number, LuaRuntime runtime, Logger log, int configuredStates, LongAdder queued)
            throws ScriptException {
        this.source = source;
        this.queued = queued;
        this.number = number;
        this.runtime = runtime;
        this.log = log;
        LuaState first = newState();
        this.hooks = List.copyOf(first.hookNames());
        LuaValue n = first.global("num_states");
        if (configuredStates > 0) {
            size = configuredStates;
        } else if (n.isnil()) {
            size = runtime.defaultStates();
        } else if (n.isint() && n.toint() >= 1 && n.toint() <= 1024) {
            size = n.toint();
        } else {
            throw new ScriptException(source.name() + ": num_states must be an integer 1..1024, not " + n.tojstring());
        }
        keepState = first.global("keep_state").toboolean();
        idle.add(first);
        for (int i = 1; i < size; i++) {
            idle.add(newState());
        }
        live = size;
    }

    private LuaState newState() throws ScriptException {
        return new LuaState(
                source, runtime, log, System.nanoTime() + runtime.callTimeout().toNanos());
    }

    int number() {
        return number;
    }

    List<String> hooks() {
        return hooks;
    }

    /** @return the number of states serving (fewer than configured only while one is rebuilt; the spare not counted) */
    synchronized int states() {
        return live;
    }

    /** Starts building the spare state in the background; call once this version serves. */
    void prepareSpare() {
        buildInBackground();
    }

    /** A newer version serves: the spare is dropped, states are rebuilt only for calls still waiting here. */
    synchronized void retire() {
        retired = true;
        spare = null;
    }

    boolean keepState() {
        return keepState;
    }

    Source source() {
        return source;
    }

    /**
     * Runs {@code work} on an idle state, in call order, before {@code deadlineNanos}.
     *
     * @param finished told once how the call ended: as the returned future would be, or with a
     *     {@link CancellationException} when the call was cancelled before it started and skipped
     * @return completes with the work's result, or exceptionally with {@link LuaError} (script
     *     error), {@link CallTimeoutException} (out of time, waiting or running),
     *     {@link ScriptException} (no state, and building one failed); cancelling it before the
     *     call started skips the call
     */
    <T> CompletableFuture<T> submit(
            long deadlineNanos, Function<StateCall, T> work, BiConsumer<? super T, ? super Throwable> finished) {
        Call<T> call = new Call<>(deadlineNanos, work, finished);
        LuaState state;
        boolean noState;
        synchronized (this) {
            state = idle.poll();
            if (state == null) {
                waiting.add(call);
                queued.increment();
            }
            noState = live == 0;
        }
        if (state == null) {
            warnQueued();
            call.queuedIn(this);
        }
        if (state != null) {
            dispatch(state, call);
        } else if (noState) {
            // every state was lost and a rebuild failed (or this version is retired): try again
            buildInBackground();
        }
        return call;
    }

    /** Says (at most every 10 s) that calls wait for a state: the script needs more, or one call runs away. */
    private void warnQueued() {
        long now = System.nanoTime();
        long last = lastQueuedWarning.get();
        if (now - last >= QUEUED_WARNING_EVERY_NANOS && lastQueuedWarning.compareAndSet(last, now)) {
            log.warn(
                    "script {}: all {} Lua state(s) busy, calls wait in line for one (script show: waiting, queued; "
                            + "more states: lua.{}.num_states)",
                    source.name(),
                    size,
                    source.name());
        }
    }

    /** A call cancelled while waiting for a state: out of the line, never run. */
    private void leaveLine(Call<?> call) {
        boolean removed;
        synchronized (this) {
            removed = waiting.remove(call);
        }
        if (removed) {
            call.skip();
        }
        // else a state was handed to it meanwhile: run() sees the cancel and skips it
    }

    /**
     * @return why this version cannot serve (no state left and building one failed), or null
     *     while it can
     */
    synchronized String problem() {
        return live == 0 && buildError != null ? "no Lua state left; building one failed: " + buildError : null;
    }

    /** @return calls waiting for a state */
    synchronized int waiting() {
        return waiting.size();
    }

    /** What a call's work gets: the state and the call's deadline. */
    record StateCall(LuaState state, long deadlineNanos) {
        LuaValue call(String hook, LuaValue arg) {
            return state.call(hook, arg, deadlineNanos);
        }
    }

    private <T> void dispatch(LuaState state, Call<T> call) {
        Worker w = WORKER.get();
        if (w.runs == this && w.nextCall == null) {
            // on a call thread of this version that just freed this state: it runs the waiting call next itself
            w.nextState = state;
            w.nextCall = call;
            return;
        }
        try {
            runtime.executor().execute(() -> work(state, call));
        } catch (RuntimeException rejected) {
            call.end(null, rejected);
            release(state);
        }
    }

    /**
     * What a call thread runs: the call, then, while a freed state meets a call waiting in line,
     * that call on this same thread (calls waiting for a state are a batch for the thread that
     * frees one, rather than one thread hand-off each). Order, deadlines and skipping are run()'s.
     */
    private void work(LuaState state, Call<?> call) {
        Worker w = WORKER.get();
        w.runs = this;
        try {
            while (call != null) {
                run(state, call);
                state = w.nextState;
                call = w.nextCall;
                w.nextState = null;
                w.nextCall = null;
            }
        } finally {
            w.runs = null;
            LuaState s = w.nextState;
            Call<?> c = w.nextCall;
            w.nextState = null;
            w.nextCall = null;
            if (c != null) { // run() threw after freeing the state: the call it was handed still gets a thread
                dispatch(s, c);
            }
        }
    }

    /** Per call thread: the version it runs calls of, and the state and waiting call that version's release() handed it. */
    private static final class Worker {
        ScriptVersion runs;
        LuaState nextState;
        Call<?> nextCall;
    }

    private static final ThreadLocal<Worker> WORKER = ThreadLocal.withInitial(Worker::new);

    private <T> void run(LuaState state, Call<T> call) {
        if (call.isCancelled()) {
            call.skip();
            release(state);
            return;
        }
        if (System.nanoTime() - call.deadline > 0) {
            call.end(null, new CallTimeoutException(source.name() + ": no idle Lua state within lua.call_timeout"));
            release(state);
            return;
        }
        // the state goes back before the answer is told: the client's next packet, sent as soon as
        // it sees this answer, must find it idle rather than queue behind a call that is done
        try {
            T answer = call.work.apply(new StateCall(state, call.deadline));
            release(state);
            call.end(answer, null);
        } catch (CallBudget.BudgetExceeded e) {
            // replaced before answering, so the caller's next call finds a state
            replace();
            call.end(null, new CallTimeoutException(source.name() + ": call ran out of time (lua.call_timeout)"));
        } catch (CallBudget.MemoryExceeded e) {
            replace();
            call.end(null, new CallFailedException(source.name() + ": " + e.getMessage()));
        } catch (RuntimeException | StackOverflowError e) {
            if (System.nanoTime() - call.deadline > 0) {
                // the budget surfaced as a Lua error (e.g. through a coroutine): still a timeout
                replace();
                call.end(null, new CallTimeoutException(source.name() + ": call ran out of time (lua.call_timeout)"));
                return;
            }
            release(state);
            call.end(null, e);
        } catch (Error e) {
            // any other Error (OutOfMemoryError above all) may have left the state half-changed:
            // it is replaced, the call fails under its policy, and the thread lives on
            log.error("script {}: a call died of {}; its Lua state is replaced", source.name(), e.toString());
            replace();
            call.end(null, new CallFailedException(source.name() + ": the call died of " + e));
        }
    }

    /**
     * Drops a state cut off mid-call (its globals may be half-changed): the spare takes its place
     * and the next spare is built in the background, off every call's budget.
     */
    private void replace() {
        LuaState fresh;
        synchronized (this) {
            live--;
            fresh = spare;
            spare = null;
            if (fresh != null) {
                live++;
            }
        }
        if (fresh != null) {
            release(fresh);
        }
        buildInBackground();
    }

    /** Starts the build loop unless one runs or nothing is missing. */
    private void buildInBackground() {
        synchronized (this) {
            if (building || !missing()) {
                return;
            }
            building = true;
        }
        try {
            runtime.executor().execute(this::build);
        } catch (RejectedExecutionException e) { // the runtime is closing
            synchronized (this) {
                building = false;
            }
            failWaitersIfNoState();
        }
    }

    /** @return whether the rotation lacks a state someone needs, or the serving version lacks its spare */
    private boolean missing() { // guarded by this
        return live < size && (!retired || !waiting.isEmpty()) || !retired && spare == null;
    }

    /**
     * Builds states until none is missing. A failed build is logged and fails the waiting calls
     * when no state serves; the next cut-off or call without a state tries again.
     */
    private void build() {
        while (true) {
            LuaState fresh;
            try {
                fresh = newState();
            } catch (ScriptException | RuntimeException | Error e) {
                int left;
                synchronized (this) {
                    building = false;
                    left = live;
                    buildError = e.toString();
                }
                log.error(
                        "script {}: could not build a Lua state; {} state(s) serving: {}",
                        source.name(),
                        left,
                        e.getMessage());
                failWaitersIfNoState();
                return;
            }
            boolean toRotation = false;
            synchronized (this) {
                buildError = null;
                if (live < size) {
                    live++;
                    toRotation = true;
                } else if (!retired && spare == null) {
                    spare = fresh;
                }
            }
            if (toRotation) {
                release(fresh);
            }
            synchronized (this) {
                if (!missing()) {
                    building = false;
                    return;
                }
            }
        }
    }

    private void failWaitersIfNoState() {
        List<Call<?>> doomed;
        synchronized (this) {
            if (live > 0 || building) {
                return;
            }
            doomed = List.copyOf(waiting);
            waiting.clear();
        }
        for (Call<?> c : doomed) {
            c.end(null, new ScriptException(source.name() + ": no Lua state left"));
        }
    }

    private void release(LuaState state) {
        Call<?> next;
        synchronized (this) {
            next = waiting.poll();
            if (next == null) {
                idle.push(state);
                return;
            }
        }
        dispatch(state, next);
    }

    /**
     * One call. It is itself the caller's future (the caller may cancel it); {@link #end} is how
     * the call really ended, told once to the submitter's {@code finished} and then passed on to
     * the future (a no-op when the caller cancelled it meanwhile). One object per call, instead
     * of a second future and the completions chained between the two.
     *
     * <p>Thread-safe: {@code ended} is set once (CAS) by whichever thread ends the call; {@code line}
     * is volatile, and cancel and {@link #queuedIn} each look at the other's write after their own,
     * so at least one of them takes a cancelled call out of the line ({@link #leaveLine} removes once).
     */
    private static final class Call<T> extends CompletableFuture<T> {
        final long deadline;
        final Function<StateCall, T> work;
        private final BiConsumer<? super T, ? super Throwable> finished;
        private static final AtomicIntegerFieldUpdater<Call<?>> ENDED = endedUpdater();
        private volatile int ended; // 0 until end() ran (once)
        private volatile ScriptVersion line; // the version in whose line the call waited for a state, if it did

        Call(long deadline, Function<StateCall, T> work, BiConsumer<? super T, ? super Throwable> finished) {
            this.deadline = deadline;
            this.work = work;
            this.finished = finished;
        }

        @SuppressWarnings({"unchecked", "rawtypes"})
        private static AtomicIntegerFieldUpdater<Call<?>> endedUpdater() {
            return (AtomicIntegerFieldUpdater) AtomicIntegerFieldUpdater.newUpdater(Call.class, "ended");
        }

        /** The call waits in {@code v}'s line: a cancel takes it out of there (never run). */
        void queuedIn(ScriptVersion v) {
            line = v;
            if (isCancelled()) {
                v.leaveLine(this); // cancelled before the line was known: leave it now
            }
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            boolean cancelled = super.cancel(mayInterruptIfRunning);
            ScriptVersion v = line;
            if (cancelled && v != null) {
                v.leaveLine(this);
            }
            return cancelled;
        }

        /** How the call ended: told to {@code finished} once, then to the caller's future. */
        void end(T value, Throwable failure) {
            if (!ENDED.compareAndSet(this, 0, 1)) {
                return;
            }
            try {
                finished.accept(value, failure);
            } catch (RuntimeException e) {
                LoggerFactory.getLogger(ScriptVersion.class).error("a Lua call's completion failed", e);
            }
            if (failure != null) {
                completeExceptionally(failure);
            } else {
                complete(value);
            }
        }

        void skip() {
            end(null, new CancellationException("cancelled before it started"));
        }
    }

    /** A call failed for a reason outside the script's own errors (memory budget, an Error of the JVM). */
    static final class CallFailedException extends RuntimeException {
        CallFailedException(String message) {
            super(message, null, false, false);
        }
    }

    /** A call did not finish within {@code lua.call_timeout}. */
    static final class CallTimeoutException extends RuntimeException {
        CallTimeoutException(String message) {
            super(message, null, false, false);
        }
    }
}
