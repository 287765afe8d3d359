package io.hookline.broker.cluster;

import java.util.concurrent.CompletableFuture;

/**
 * What the cluster node asks of the broker's client connections (the broker implements it; the
 * cluster package does not see connections): the address clients are sent to, and moving every
 * connected client away when this node leaves. Thread-safe.
 */
public interface ClientControl {

    /** The host:port of this node's MQTT listener other nodes redirect clients to; null before it is open. */
    String mqttAddress();

    /**
     * Disconnects every client connected here: MQTT 5 with DISCONNECT 0x9C Use another server and
     * {@code serverReference} (null: 0x8B), older versions closed. Completes with how many once
     * their connections closed (or a few seconds passed).
     */
    CompletableFuture<Integer> moveAll(String serverReference);
}
