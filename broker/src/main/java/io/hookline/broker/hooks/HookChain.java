package io.hookline.broker.hooks;

import io.hookline.api.hook.Hook;
import io.hookline.api.hook.input.HookInput;
import java.util.Arrays;
import java.util.Comparator;

/**
 * The ordered handlers of one hook. Copy-on-write: a run reads one array snapshot without
 * locking; changes (rare: plugin start/stop) replace the array under {@code this}.
 */
public final class HookChain<I extends HookInput> {
    private static final Comparator<HandlerEntry<?>> ORDER =
            Comparator.<HandlerEntry<?>>comparingInt(e -> e.priority).thenComparingLong(e -> e.sequence);

    final Hook<I> hook;
    final CallStats stats = new CallStats();
    volatile HandlerEntry<I>[] entries;

    @SuppressWarnings("unchecked")
    HookChain(Hook<I> hook) {
        this.hook = hook;
        this.entries = (HandlerEntry<I>[]) new HandlerEntry<?>[0];
    }

    /** @return true when no handler is registered: callers skip building an input */
    public boolean isEmpty() {
        return entries.length == 0;
    }

    public Hook<I> hook() {
        return hook;
    }

    public CallStats stats() {
        return stats;
    }

    synchronized void add(HandlerEntry<I> entry) {
        HandlerEntry<I>[] next = Arrays.copyOf(entries, entries.length + 1);
        next[next.length - 1] = entry;
        Arrays.sort(next, ORDER);
        entries = next;
    }

    synchronized boolean remove(HandlerEntry<?> entry) {
        HandlerEntry<I>[] cur = entries;
        for (int i = 0; i < cur.length; i++) {
            if (cur[i] == entry) {
                HandlerEntry<I>[] next = Arrays.copyOf(cur, cur.length - 1);
                System.arraycopy(cur, i + 1, next, i, cur.length - i - 1);
                entries = next;
                return true;
            }
        }
        return false;
    }
}
