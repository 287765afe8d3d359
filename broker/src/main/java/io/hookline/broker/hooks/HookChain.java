package io.hookline.broker.hooks;

import io.hookline.api.hook.Hook;
import io.hookline.api.hook.input.HookInput;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * The ordered handlers of one hook: the handlers registered on it, plus, for an {@code _m5}
 * hook, the 3.1.1 handlers the engine lends it ({@link Mqtt3Fallback}). Copy-on-write: a run
 * reads one array snapshot without locking; changes (rare: plugin start/stop) replace the
 * array under {@code this}.
 */
public final class HookChain<I extends HookInput> {
    private static final Comparator<HandlerEntry<?>> ORDER =
            Comparator.<HandlerEntry<?>>comparingInt(e -> e.priority).thenComparingLong(e -> e.sequence);

    final Hook<I> hook;
    final CallStats stats = new CallStats();
    volatile HandlerEntry<I>[] entries;
    private HandlerEntry<I>[] own; // guarded by this: registered on this hook
    private HandlerEntry<I>[] lent; // guarded by this: 3.1.1 handlers serving this _m5 hook

    @SuppressWarnings("unchecked")
    HookChain(Hook<I> hook) {
        this.hook = hook;
        this.own = (HandlerEntry<I>[]) new HandlerEntry<?>[0];
        this.lent = own;
        this.entries = own;
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
        own = Arrays.copyOf(own, own.length + 1);
        own[own.length - 1] = entry;
        publish();
    }

    synchronized boolean remove(HandlerEntry<?> entry) {
        HandlerEntry<I>[] cur = own;
        for (int i = 0; i < cur.length; i++) {
            if (cur[i] == entry) {
                HandlerEntry<I>[] next = Arrays.copyOf(cur, cur.length - 1);
                System.arraycopy(cur, i + 1, next, i, cur.length - i - 1);
                own = next;
                publish();
                return true;
            }
        }
        return false;
    }

    /** @return the handlers registered on this hook itself (not lent) */
    synchronized HandlerEntry<I>[] own() {
        return own;
    }

    /** Replaces the lent handlers (those of the 3.1.1 twin serving this hook). */
    synchronized void lend(List<HandlerEntry<I>> handlers) {
        @SuppressWarnings("unchecked")
        HandlerEntry<I>[] next = handlers.toArray((HandlerEntry<I>[]) new HandlerEntry<?>[0]);
        lent = next;
        publish();
    }

    private void publish() {
        HandlerEntry<I>[] all = Arrays.copyOf(own, own.length + lent.length);
        System.arraycopy(lent, 0, all, own.length, lent.length);
        Arrays.sort(all, ORDER);
        entries = all;
    }
}
