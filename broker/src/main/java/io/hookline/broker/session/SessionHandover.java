package io.hookline.broker.session;

import io.hookline.broker.routing.SubscriberId;
import java.util.concurrent.CompletionStage;

/**
 * Asked by a CONNECT before its session is attached ({@link SessionRegistry#attach}): a
 * clustered broker fetches the session from the node it lives on, so that the attach finds it
 * here (docs/cluster.md, session migration). Called on the client's event loop; must not block.
 */
public interface SessionHandover {

    /** Nothing to fetch: a single broker. */
    SessionHandover NONE = (id, cleanStart) -> null;

    /**
     * Null when the CONNECT may attach at once; else a stage that completes (never
     * exceptionally) once the session is here, or once it is known it will not come (then the
     * CONNECT gets a fresh session).
     */
    CompletionStage<Void> beforeAttach(SubscriberId id, boolean cleanStart);
}
