package io.hookline.api.auth;

import io.hookline.api.hook.input.Client;

/**
 * Whether a subscriber may receive a message on a topic: asked by the broker for every message
 * it routes to a session while at least one check is installed
 * ({@link io.hookline.api.PluginContext#registerReadCheck}), before the message takes a queue
 * entry, an in-flight slot or a packet id. A {@code false} from any check drops that delivery
 * silently (the subscriber does not learn of it; {@code hookline_deliveries_denied_total}
 * counts it). Retained messages sent after a SUBSCRIBE and direct messages are asked the same.
 * This is how a subscription to {@code #} can be granted while single topics under it stay
 * unreadable (plugin-acl's {@code topic deny} lines, as in Mosquitto).
 *
 * <p>Called on the publisher's event loop (retained messages: the subscriber's), from many
 * threads at once, once per message and subscriber: it must be thread-safe, must not block and
 * should answer in well under a microsecond, which in practice means a cache of its own
 * (bounded, and dropped when the rules it was built from change). An exception counts as
 * {@code false} (fails closed) and is logged at most once a minute. Installing none costs the
 * broker nothing.
 *
 * <pre>{@code
 * Cancellable check = ctx.registerReadCheck((subscriber, topic) -> !topic.startsWith("secret/"));
 * ...
 * check.cancel();   // also done when the plugin stops
 * }</pre>
 */
@FunctionalInterface
public interface ReadCheck {
    /**
     * @param subscriber the receiving client (its user name as of its latest connection)
     * @param topic the topic as the subscriber sees it (without its mountpoint)
     * @return false to drop this delivery
     */
    boolean mayRead(Client subscriber, String topic);
}
