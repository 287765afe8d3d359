package io.hookline.broker.store;

import io.hookline.broker.routing.Message;

import java.util.function.Consumer;

/**
 * Retained messages by topic. Implementations are thread-safe: publishers on any event loop
 * set and clear, subscribers on any event loop read.
 */
public interface RetainedStore {

    /** Stores the message as the retained one of its topic; an empty payload clears the topic. */
    void retain(Message message);

    /** Removes the retained message of a topic; true when there was one. */
    boolean remove(String topic);

    /** Every retained message whose topic matches the filter (expired ones are dropped, not returned). */
    void matching(String filter, Consumer<Message> action);

    /** Every retained message, for the admin API. */
    void forEach(Consumer<Message> action);

    int size();

    /** Retained messages users published: {@link #size} without the broker's own {@code $SYS/...} topics. */
    default int userSize() {
        int[] sys = {0};
        matching("$SYS/#", m -> sys[0]++);
        return size() - sys[0];
    }
}
