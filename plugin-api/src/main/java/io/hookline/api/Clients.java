package io.hookline.api;

import io.hookline.api.auth.SessionPermissions;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * Look up and act on clients. Clients are identified by mountpoint ({@code ""} when none) and
 * client id.
 *
 * <pre>{@code
 * ctx.clients().disconnect("", "sensor-7");
 * ctx.clients().setPermissions("", "sensor-7", newPermissions);   // no reconnect needed
 * }</pre>
 */
public interface Clients {
    /** @return what the broker knows about the client, if anything */
    Optional<ClientSummary> lookup(String mountpoint, String clientId);

    /** Closes the client's connection; the stage completes with false when it was not connected. */
    CompletionStage<Boolean> disconnect(String mountpoint, String clientId);

    /**
     * Replaces the session permissions of a connected client; null drops them (the chains
     * decide alone from then on).
     *
     * @return false when no such client is connected
     */
    boolean setPermissions(String mountpoint, String clientId, SessionPermissions permissions);
}
