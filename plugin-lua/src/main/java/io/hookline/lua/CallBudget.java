package io.hookline.lua;

import org.luaj.vm2.lib.DebugLib;

/**
 * The time budget of the calls into one Lua state: LuaJ's interpreter tells its debug library
 * about every instruction, so every {@value #CHECK_EVERY} instructions the deadline is checked
 * and, once it has passed, every further instruction throws {@link BudgetExceeded}. That is an
 * {@link Error}, so {@code pcall} (which catches exceptions) cannot swallow it, and it stays
 * thrown until the state is discarded, also in coroutines (they share this library).
 * The {@code debug} table itself is removed from sandboxed states.
 *
 * <p>Thread-safety: armed and disarmed by the one thread that runs a call in the state; the
 * deadline is volatile because LuaJ runs coroutines on their own threads.
 */
final class CallBudget extends DebugLib {
    static final int CHECK_EVERY = 1000;

    private volatile long deadline = Long.MAX_VALUE;
    private volatile boolean armed;
    private int countdown = CHECK_EVERY;

    /** Limits the next instructions to run until {@code deadlineNanos} ({@link System#nanoTime()}). */
    void arm(long deadlineNanos) {
        deadline = deadlineNanos;
        countdown = CHECK_EVERY;
        armed = true;
    }

    void disarm() {
        armed = false;
    }

    /** @return the nanoseconds left to the running call ({@code Long.MAX_VALUE} when unlimited) */
    long remainingNanos() {
        return armed ? deadline - System.nanoTime() : Long.MAX_VALUE;
    }

    /** @throws BudgetExceeded when the running call is past its deadline */
    void check() {
        if (armed && System.nanoTime() - deadline > 0) {
            throw new BudgetExceeded();
        }
    }

    @Override
    public void onInstruction(int pc, org.luaj.vm2.Varargs v, int top) {
        if (--countdown <= 0) {
            // past the deadline the countdown stays at 0: every instruction throws again
            countdown = armed && System.nanoTime() - deadline > 0 ? 0 : CHECK_EVERY;
            check();
        }
        super.onInstruction(pc, v, top);
    }

    /** The call ran out of time; not a {@code LuaError}, so scripts cannot catch it. */
    static final class BudgetExceeded extends Error {
        BudgetExceeded() {
            super("time budget exceeded", null, false, false);
        }
    }
}
