package io.hookline.broker.routing;

/** Where the router hands a message: a session, online or not. Implementations are thread-safe. */
public interface Recipient {

    boolean isOnline();

    /** Takes the delivery: sends it, queues it, or drops it (counted) when its queue is full. */
    void offer(Delivery delivery);
}
