package io.hookline.broker.store;

import io.hookline.broker.routing.SubscriberId;
import io.hookline.broker.util.StoreBatch;
import java.util.function.Consumer;

/**
 * Persistent sessions' records by subscriber id. Only sessions that outlive their connection
 * (session expiry other than 0) are written; clean sessions never touch it.
 *
 * <p>Threading: writes come from any thread (event loops, the timer), one at a time per
 * session (the registry serializes them per subscriber id); staging into the batch must not
 * block. {@link #forEach} runs once, at recovery, before any listener opens: it may block.
 */
public interface SessionStore {

    /** Creates or replaces the record of {@code record.id()}. */
    void put(SessionRecord record, StoreBatch batch);

    /**
     * Removes the record. The session's subscriptions, queue and in-flight state are removed
     * by their own stores, in the same batch.
     */
    void remove(SubscriberId id, StoreBatch batch);

    /** Every record, for recovery. */
    void forEach(Consumer<SessionRecord> action);
}
