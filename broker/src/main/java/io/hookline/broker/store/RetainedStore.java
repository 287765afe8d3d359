package io.hookline.broker.store;

import io.hookline.broker.routing.Message;
import io.hookline.broker.util.StoreBatch;
import java.util.function.Consumer;

/**
 * Retained messages by topic. A durable implementation loads what it holds when it opens.
 *
 * <p>Threading: thread-safe. Publishers on any event loop set and clear (staging into the
 * publish's batch, never blocking), subscribers on any event loop read; reads come from memory.
 */
public interface RetainedStore {

    /** Stores the message as the retained one of its topic; an empty payload clears the topic. */
    void retain(Message message, StoreBatch batch);

    /** Removes the retained message of a topic; true when there was one. */
    boolean remove(String topic, StoreBatch batch);

    /**
     * Every retained message whose topic matches the filter and that has not expired by
     * {@code nowMillis} (epoch millis); expired ones are dropped, not returned.
     */
    void matching(String filter, long nowMillis, Consumer<Message> action);

    /** Every retained message, for the admin API. */
    void forEach(Consumer<Message> action);

    int size();

    /** Retained messages users published: {@link #size} without the broker's own {@code $SYS/...} topics. */
    default int userSize() {
        int[] sys = {0};
        matching("$SYS/#", 0, m -> sys[0]++); // 0: the broker's $SYS messages carry no expiry
        return size() - sys[0];
    }
}
