package io.hookline.broker.cluster;

/**
 * One live node as this node sees it without asking anyone (the {@code /status} page): its name,
 * cluster address, MQTT address and connected clients from the node directory (null and -1
 * until it published them), and whether it is this node.
 */
public record NodeLoad(String node, String address, String mqtt, int connections, boolean self) {}
