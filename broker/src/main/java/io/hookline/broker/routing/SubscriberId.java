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

    /**
     * How a session is shown to people (log lines, admin answers, the keys of a migration's
     * {@code why_stayed}): the client id alone without a mountpoint, else the mountpoint in
     * brackets, a space, then the client id.
     *
     * <pre>
     * c1               no mountpoint
     * [tenantA/] c1    mountpoint "tenantA/" (as the docs write them)
     * [tenantA] c1     mountpoint "tenantA"
     * tenantA/c1       client id "tenantA/c1", no mountpoint
     * [] [x] c1        client id "[x] c1", no mountpoint
     * [a]]b] c1        mountpoint "a]b"
     * </pre>
     *
     * <p>Gluing the two ({@code mountpoint + clientId}, or with a "/" between) cannot tell
     * mountpoint "tenantA/" from "tenantA", nor either from a client id holding a slash: a
     * mountpoint is any topic prefix (no +, # or NUL) and a client id any string. So two ids never
     * show the same: a client id that starts with '[' is shown bracketed too, behind an empty
     * mountpoint, and a ']' inside a mountpoint is doubled.
     */
    public String display() {
        if (mountpoint.isEmpty() && !clientId.startsWith("[")) {
            return clientId;
        }
        return "[" + mountpoint.replace("]", "]]") + "] " + clientId;
    }

    /** {@link #display()}: log lines read the same as admin answers. */
    @Override
    public String toString() {
        return display();
    }
}
