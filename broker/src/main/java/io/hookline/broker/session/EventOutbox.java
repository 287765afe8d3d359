package io.hookline.broker.session;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * A session's hook events between being raised and being fired. They are raised under the
 * session's monitor (where the drop or the ended subscription happens) and fired after it is
 * released, so no plugin handler runs under a session lock: in the order raised, and by one
 * thread at a time, so the order holds across threads too. A thread that finds another firing
 * leaves its events to it; events a handler causes on the same session are fired after it
 * returns, not inside it.
 *
 * <p>Guarded by the owning session's monitor ({@code lock}); {@link #fire} takes it only to
 * take the batch and is called without it.
 */
final class EventOutbox {

    private final Object lock;
    private List<Consumer<SessionEvents>> queued;  // guarded by lock; null when empty
    private boolean firing;                        // guarded by lock

    EventOutbox(Object lock) {
        this.lock = lock;
    }

    /** Caller holds the lock and checked that someone wants the event. */
    void add(Consumer<SessionEvents> event) {
        if (queued == null) {
            queued = new ArrayList<>(4);
        }
        queued.add(event);
    }

    /** Caller holds the lock: true when events wait and no thread is firing them yet (no allocation). */
    boolean needsFiring() {
        return queued != null && !firing;
    }

    /** Fires what is queued, and what comes in meanwhile. Caller holds no session or registry lock. */
    void fire(SessionEvents to) {
        while (true) {
            List<Consumer<SessionEvents>> batch;
            synchronized (lock) {
                if (firing || queued == null) {
                    return;
                }
                batch = queued;
                queued = null;
                firing = true;
            }
            try {
                for (Consumer<SessionEvents> event : batch) {
                    event.accept(to);
                }
            } finally {
                synchronized (lock) {
                    firing = false;
                }
            }
        }
    }
}
