package io.hookline.lua;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Prototype;
import org.slf4j.Logger;

/**
 * One loaded version of a script: its compiled chunk and a pool of Lua states that run it.
 * A call takes an idle state, or waits in line for one without holding a thread; it runs on the
 * runtime's executor, never two calls at once on one state. A state whose call ran out of time
 * is dropped and a fresh one built in its place. When a newer version takes over, calls already
 * handed to this one still finish here.
 *
 * <p>Thread-safe: the idle states and the waiting calls are guarded by {@code this}.
 */
final class ScriptVersion {
    /** The compiled script: its name (for logs and errors), file and chunk. */
    record Source(String name, Path file, Prototype prototype) {
    }

    private final Source source;
    private final int number;
    private final LuaRuntime runtime;
    private final Logger log;
    private final List<String> hooks;
    private final int size;
    private final boolean keepState;
    private final ArrayDeque<LuaState> idle = new ArrayDeque<>(); // guarded by this
    private final ArrayDeque<Call<?>> waiting = new ArrayDeque<>(); // guarded by this
    private final AtomicInteger live = new AtomicInteger();

    /**
     * Builds every state (running the chunk in each).
     *
     * @param configuredStates {@code lua.NAME.num_states}, or 0 to take the script's {@code num_states}
     * @throws ScriptException when a state cannot be built
     */
    ScriptVersion(Source source, int number, LuaRuntime runtime, Logger log, int configuredStates)
            throws ScriptException {
        this.source = source;
        this.number = number;
        this.runtime = runtime;
        this.log = log;
        LuaState first = newState();
        this.hooks = List.copyOf(first.hookNames());
        LuaValue n = first.global("num_states");
        if (configuredStates > 0) {
            size = configuredStates;
        } else if (n.isnil()) {
            size = 1;
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
        live.set(size);
    }

    private LuaState newState() throws ScriptException {
        return new LuaState(source, runtime, log, System.nanoTime() + runtime.callTimeout().toNanos());
    }

    int number() {
        return number;
    }

    List<String> hooks() {
        return hooks;
    }

    /** @return the number of states serving (fewer than configured only while one is rebuilt) */
    int states() {
        return live.get();
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
     * @return completes with the work's result, or exceptionally with {@link LuaError} (script
     *     error), {@link CallTimeoutException} (out of time, waiting or running)
     */
    <T> CompletableFuture<T> submit(long deadlineNanos, Function<StateCall, T> work) {
        Call<T> call = new Call<>(deadlineNanos, work);
        if (live.get() == 0) {
            call.result.completeExceptionally(new ScriptException(source.name() + ": no Lua state left"));
            return call.result;
        }
        LuaState state;
        synchronized (this) {
            state = idle.poll();
            if (state == null) {
                waiting.add(call);
                return call.result;
            }
        }
        dispatch(state, call);
        return call.result;
    }

    /** What a call's work gets: the state and the call's deadline. */
    record StateCall(LuaState state, long deadlineNanos) {
        LuaValue call(String hook, LuaValue arg) {
            return state.call(hook, arg, deadlineNanos);
        }
    }

    private <T> void dispatch(LuaState state, Call<T> call) {
        try {
            runtime.executor().execute(() -> run(state, call));
        } catch (RuntimeException rejected) {
            call.result.completeExceptionally(rejected);
            release(state);
        }
    }

    private <T> void run(LuaState state, Call<T> call) {
        if (System.nanoTime() - call.deadline > 0) {
            call.result.completeExceptionally(new CallTimeoutException(source.name() + ": no idle Lua state within lua.call_timeout"));
            release(state);
            return;
        }
        try {
            call.result.complete(call.work.apply(new StateCall(state, call.deadline)));
            release(state);
        } catch (CallBudget.BudgetExceeded e) {
            call.result.completeExceptionally(new CallTimeoutException(source.name() + ": call ran out of time (lua.call_timeout)"));
            replace();
        } catch (RuntimeException | StackOverflowError e) {
            if (System.nanoTime() - call.deadline > 0) {
                // the budget surfaced as a Lua error (e.g. through a coroutine): still a timeout
                call.result.completeExceptionally(new CallTimeoutException(source.name()
                        + ": call ran out of time (lua.call_timeout)"));
                replace();
                return;
            }
            call.result.completeExceptionally(e);
            release(state);
        }
    }

    /** Drops a state cut off mid-call (its globals may be half-changed) and builds a fresh one. */
    private void replace() {
        live.decrementAndGet();
        try {
            LuaState fresh = newState();
            live.incrementAndGet();
            release(fresh);
        } catch (ScriptException | RuntimeException e) {
            log.error("script {}: could not rebuild a Lua state after a timeout; {} state(s) left: {}",
                    source.name(), live.get(), e.getMessage());
            failWaitersIfNoState();
        }
    }

    private void failWaitersIfNoState() {
        if (live.get() > 0) {
            return;
        }
        List<Call<?>> doomed;
        synchronized (this) {
            doomed = List.copyOf(waiting);
            waiting.clear();
        }
        for (Call<?> c : doomed) {
            c.result.completeExceptionally(new ScriptException(source.name() + ": no Lua state left"));
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

    private static final class Call<T> {
        final long deadline;
        final Function<StateCall, T> work;
        final CompletableFuture<T> result = new CompletableFuture<>();

        Call(long deadline, Function<StateCall, T> work) {
            this.deadline = deadline;
            this.work = work;
        }
    }

    /** A call did not finish within {@code lua.call_timeout}. */
    static final class CallTimeoutException extends RuntimeException {
        CallTimeoutException(String message) {
            super(message, null, false, false);
        }
    }
}
