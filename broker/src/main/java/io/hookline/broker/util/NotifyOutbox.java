package io.hookline.broker.util;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Notifications between being raised and being fired, so that no plugin handler runs under the
 * lock of whoever raised them. Raise ({@link #add}) under the owner's lock, in the order the
 * changes took effect; {@link #fire} after releasing it. They are fired in the order raised and
 * by one thread at a time, so the order holds across threads too: a thread that finds another
 * firing leaves its notifications to it, and those a handler causes are fired after it returns,
 * not inside it. Used for a session's hook events (drops, offline messages, ended
 * subscriptions...) and for {@code on_config_change}.
 *
 * <p>Guarded by the owner's lock (given at construction; {@link #add} and {@link #needsFiring}
 * are called holding it); {@link #fire} takes it only to take a batch, never while a handler
 * runs. No allocation until something is raised.
 *
 * @param <E> what is queued, e.g. a hook input
 */
public final class NotifyOutbox<E> {

    private final Object lock;
    private List<E> queued; // guarded by lock; null when empty
    private boolean firing; // guarded by lock

    /** @param lock the owner's monitor, held by callers of {@link #add} */
    public NotifyOutbox(Object lock) {
        this.lock = lock;
    }

    /** Queues {@code notification}. The caller holds the owner's lock. */
    public void add(E notification) {
        if (queued == null) {
            queued = new ArrayList<>(4);
        }
        queued.add(notification);
    }

    /** True when notifications wait and no thread is firing them yet. The caller holds the owner's lock. */
    public boolean needsFiring() {
        return queued != null && !firing;
    }

    /**
     * Gives {@code target} what is queued, and what comes in meanwhile; returns at once when
     * another thread is firing (it fires ours too). Call it holding no lock a handler might want.
     */
    public void fire(Consumer<? super E> target) {
        while (true) {
            List<E> batch;
            synchronized (lock) {
                if (firing || queued == null) {
                    return;
                }
                batch = queued;
                queued = null;
                firing = true;
            }
            try {
                for (E notification : batch) {
                    target.accept(notification);
                }
            } finally {
                synchronized (lock) {
                    firing = false;
                }
            }
        }
    }
}
