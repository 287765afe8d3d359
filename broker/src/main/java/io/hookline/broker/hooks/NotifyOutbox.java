package io.hookline.broker.hooks;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Notifications between being raised and being fired, so that no plugin handler runs under the
 * lock of whoever raised them. Raise ({@link #add}) under your lock, in the order the changes
 * took effect; {@link #fire} after releasing it. They are fired in the order raised and by one
 * thread at a time, so the order holds across threads too: a thread that finds another firing
 * leaves its notifications to it, and those a handler causes are fired after it returns, not
 * inside it. The same scheme as the sessions' {@code EventOutbox}, for notifications that are
 * not about a session ({@code on_config_change}).
 *
 * <p>Thread-safe: guarded by its own monitor, which is held only to queue or take a batch, never
 * while a handler runs.
 *
 * @param <E> what is queued, e.g. a hook input
 */
public final class NotifyOutbox<E> {

    private final Consumer<E> target;
    private List<E> queued;    // guarded by this; null when empty
    private boolean firing;    // guarded by this

    /** @param target called with every notification, outside every lock but this one's batches */
    public NotifyOutbox(Consumer<E> target) {
        this.target = target;
    }

    /** Queues {@code notification}; call it where its order is decided (under your lock). */
    public synchronized void add(E notification) {
        if (queued == null) {
            queued = new ArrayList<>(4);
        }
        queued.add(notification);
    }

    /**
     * Fires what is queued, and what comes in meanwhile; returns at once when another thread is
     * firing (it fires ours too). Call it holding no lock a handler might want.
     */
    public void fire() {
        while (true) {
            List<E> batch;
            synchronized (this) {
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
                synchronized (this) {
                    firing = false;
                }
            }
        }
    }
}
