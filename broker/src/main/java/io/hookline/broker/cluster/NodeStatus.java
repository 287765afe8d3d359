package io.hookline.broker.cluster;

import java.io.Serializable;

/**
 * One node as {@code cluster show} lists it. Sent between nodes (Java serialization through
 * Hazelcast's executor), so only plain values.
 *
 * @param running false for a node that left or died while the routes it had are still being removed
 * @param connections clients connected to it now
 * @param sessions sessions it holds, online or not
 * @param routes topic filters it has subscribers for
 */
public record NodeStatus(String node, String address, boolean running, int connections, int sessions, int routes)
        implements Serializable {}
