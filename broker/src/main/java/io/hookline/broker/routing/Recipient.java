package io.hookline.broker.routing;

/** Where the router hands a message: a session, online or not. Implementations are thread-safe. */
public interface Recipient {

    boolean isOnline();

    /**
     * Takes the delivery: sends it, queues it, or drops it (counted) when its queue is full.
     * Returns true when the recipient is congested (above its queue high-water mark): the
     * publisher should slow down.
     */
    boolean offer(Delivery delivery);

    /** Whether the recipient is above its queue high-water mark now. */
    default boolean isCongested() {
        return false;
    }

    /** Approximate bytes waiting to be sent to the recipient. */
    default long queuedBytes() {
        return 0;
    }
}
