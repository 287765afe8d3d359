package io.hookline.broker.routing;

import java.util.Objects;

/**
 * Who a session is, broker-wide: the mountpoint ("" for none) and the client id. The same
 * client id behind two mountpoints is two sessions (as in VerneMQ). It names a session in the
 * registry, owns its subscriptions, marks a message's publisher (no-local) and keys every
 * store record of the session. Immutable.
 *
 * <p>Hashing combines the two strings' cached hashes, so a lookup costs no more than one by a
 * single string key did.
 */
public record SubscriberId(String mountpoint, String clientId) {

    public SubscriberId {
        mountpoint = mountpoint == null ? "" : mountpoint;
        Objects.requireNonNull(clientId, "clientId");
    }

    /** A client id on a listener without a mountpoint. */
    public static SubscriberId of(String clientId) {
        return new SubscriberId("", clientId);
    }

    public static SubscriberId of(String mountpoint, String clientId) {
        return new SubscriberId(mountpoint, clientId);
    }

    @Override
    public boolean equals(Object o) {
        return this == o
                || o instanceof SubscriberId other
                        && clientId.equals(other.clientId)
                        && mountpoint.equals(other.mountpoint);
    }

    @Override
    public int hashCode() {
        return 31 * mountpoint.hashCode() + clientId.hashCode();
    }

    /** "client" or "mountpoint/client", for log lines and admin output. */
    @Override
    public String toString() {
        return mountpoint.isEmpty() ? clientId : mountpoint + "/" + clientId;
    }
}
