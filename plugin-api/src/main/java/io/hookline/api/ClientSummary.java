package io.hookline.api;

import io.hookline.api.hook.input.Client;

/**
 * What the broker tells a plugin about a known client.
 *
 * <pre>{@code
 * ctx.clients().lookup("", "sensor-7").filter(ClientSummary::online).ifPresent(c -> ...);
 * }</pre>
 *
 * @param client identity and protocol version
 * @param peerAddr the remote IP address ({@code ""} when offline)
 * @param peerPort the remote port (0 when offline)
 * @param online true when a connection is attached
 */
public record ClientSummary(Client client, String peerAddr, int peerPort, boolean online) {}
