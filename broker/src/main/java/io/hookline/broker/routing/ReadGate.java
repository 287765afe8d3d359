package io.hookline.broker.routing;

/**
 * Whether a recipient may receive a message, asked by the {@link Router} for each recipient it
 * found (and for retained and direct messages by the protocol) before the message is offered:
 * a refused delivery takes no queue entry, in-flight slot or packet id. The plugins' read
 * checks stand behind it ({@code protocol.DeliveryReadGate}). Implementations are thread-safe,
 * never block, and answer at once when nothing is installed.
 */
@FunctionalInterface
public interface ReadGate {
    /** Lets everything through. */
    ReadGate OPEN = (to, message) -> true;

    /** @return false to drop this delivery (the implementation counts it) */
    boolean admits(Recipient to, Message message);
}
