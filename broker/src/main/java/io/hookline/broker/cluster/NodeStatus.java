package io.hookline.broker.cluster;

import java.io.Serializable;

/**
 * One node as {@code cluster show} lists it. Sent between nodes (Java serialization through
 * Hazelcast's executor), so only plain values; -1 for a figure the node did not give.
 *
 * @param running false for a node that left or died while the routes it had are still being removed
 * @param connections clients connected to it now
 * @param sessions sessions it holds, online or not
 * @param routes topic filters it has subscribers for
 * @param messagesIn messages other nodes forwarded to it since it started
 * @param messagesOut messages it forwarded to other nodes since it started (once per node)
 */
public record NodeStatus(
        String node,
        String address,
        boolean running,
        int connections,
        int sessions,
        int routes,
        long messagesIn,
        long messagesOut)
        implements Serializable {}
