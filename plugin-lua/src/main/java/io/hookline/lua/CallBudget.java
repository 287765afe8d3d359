package io.hookline.lua;

import com.sun.management.ThreadMXBean;
import java.lang.management.ManagementFactory;
import java.util.concurrent.atomic.AtomicLong;
import org.luaj.vm2.lib.DebugLib;

/**
 * The time and memory budget of the calls into one Lua state: LuaJ's interpreter tells its debug
 * library about every instruction, so every {@value #CHECK_EVERY} instructions the deadline and
 * the bytes the call allocated so far ({@code lua.max_memory}, read from the JVM's per-thread
 * allocation counter, garbage included) are checked; once either is exceeded, every further
 * instruction throws. Builtins that allocate a large result in one step (string.rep,
 * table.concat) ask {@link #reserve} first. {@link BudgetExceeded} and {@link MemoryExceeded}
 * are {@link Error}s, so {@code pcall} (which catches exceptions) cannot swallow them, and they
 * stay thrown until the state is discarded, also in coroutines (they share this library and
 * their threads' allocations are added up).
 * The {@code debug} table itself is removed from sandboxed states.
 *
 * <p>Thread-safety: armed and disarmed by the one thread that runs a call in the state; the
 * deadline and limits are volatile and the allocation total atomic because LuaJ runs coroutines
 * on their own threads.
 */
final class CallBudget extends DebugLib {
    static final int CHECK_EVERY = 1000;
    private static final ThreadMXBean THREADS = threads();

    private final long memoryLimit;
    private volatile long deadline = Long.MAX_VALUE;
    private volatile boolean armed;
    private volatile long generation;
    private final AtomicLong allocated = new AtomicLong();
    // per thread (the call's and its coroutines'): {generation, allocation counter at the last reading}
    private final ThreadLocal<long[]> lastReading = ThreadLocal.withInitial(() -> new long[] {-1, 0});
    private int countdown = CHECK_EVERY;
    // the budget of the call running on this thread: string methods reached through the string
    // metatable (which LuaJ shares between states) must charge the caller's budget
    private static final ThreadLocal<CallBudget> CURRENT = new ThreadLocal<>();

    /** @param memoryLimit bytes a call may allocate ({@code lua.max_memory}); 0 = unlimited */
    CallBudget(long memoryLimit) {
        this.memoryLimit = THREADS == null ? 0 : memoryLimit;
    }

    private static ThreadMXBean threads() {
        if (ManagementFactory.getThreadMXBean() instanceof ThreadMXBean t && t.isThreadAllocatedMemorySupported()) {
            if (!t.isThreadAllocatedMemoryEnabled()) {
                t.setThreadAllocatedMemoryEnabled(true);
            }
            return t;
        }
        return null; // not HotSpot: lua.max_memory cannot be measured (LuaPlugin warns)
    }

    /** @return whether this JVM can measure what a call allocates */
    static boolean canMeasureMemory() {
        return THREADS != null;
    }

    /** Limits the next instructions to run until {@code deadlineNanos} ({@link System#nanoTime()}). */
    void arm(long deadlineNanos) {
        deadline = deadlineNanos;
        countdown = CHECK_EVERY;
        allocated.set(0);
        generation++;
        armed = true;
        CURRENT.set(this);
        measure();
    }

    void disarm() {
        armed = false;
        CURRENT.remove();
    }

    /** @return the budget of the call running on this thread, else {@code fallback} */
    static CallBudget current(CallBudget fallback) {
        CallBudget b = CURRENT.get();
        return b != null ? b : fallback;
    }

    /** @return the nanoseconds left to the running call ({@code Long.MAX_VALUE} when unlimited) */
    long remainingNanos() {
        return armed ? deadline - System.nanoTime() : Long.MAX_VALUE;
    }

    /** @throws BudgetExceeded when the running call is past its deadline; MemoryExceeded when over its memory */
    void check() {
        if (!armed) {
            return;
        }
        if (System.nanoTime() - deadline > 0) {
            throw new BudgetExceeded();
        }
        if (memoryLimit > 0 && measure() > memoryLimit) {
            throw new MemoryExceeded(allocated.get(), memoryLimit);
        }
    }

    /**
     * A builtin is about to allocate {@code bytes} at once: refuses (as {@link MemoryExceeded})
     * when that would take the call over its memory budget.
     */
    void reserve(long bytes, String what) {
        if (armed && memoryLimit > 0 && (bytes < 0 || measure() + bytes > memoryLimit)) {
            throw new MemoryExceeded(what + " of " + (bytes < 0 ? "more than 2^63" : bytes) + " bytes would exceed "
                    + "lua.max_memory (" + memoryLimit + " bytes per call; " + allocated.get() + " allocated)");
        }
    }

    /** Adds what this thread allocated since its last reading in this call; @return the call's total. */
    private long measure() {
        if (memoryLimit <= 0) {
            return 0;
        }
        long now = THREADS.getCurrentThreadAllocatedBytes();
        long[] r = lastReading.get();
        long g = generation;
        if (r[0] != g) {
            r[0] = g;
            r[1] = now;
            return allocated.get();
        }
        long delta = now - r[1];
        r[1] = now;
        return allocated.addAndGet(delta);
    }

    @Override
    public void onInstruction(int pc, org.luaj.vm2.Varargs v, int top) {
        if (--countdown <= 0) {
            // past a limit the countdown stays at 0: every instruction throws again
            countdown = armed && (System.nanoTime() - deadline > 0 || memoryLimit > 0 && allocated.get() > memoryLimit)
                    ? 0
                    : CHECK_EVERY;
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

    /** The call allocated more than {@code lua.max_memory}; not a {@code LuaError}, so scripts cannot catch it. */
    static final class MemoryExceeded extends Error {
        MemoryExceeded(long allocated, long limit) {
            this("allocated " + allocated + " bytes, over lua.max_memory (" + limit + " bytes per call)");
        }

        MemoryExceeded(String message) {
            super(message, null, false, false);
        }
    }
}
