package io.hookline.broker.config;

/**
 * How one member of a shared subscription group is chosen for a message (online members first).
 * The names are VerneMQ's ({@code prefer_local}, {@code local_only}, {@code random}) plus
 * Hookline's {@code round_robin}.
 */
public enum SharedSubscriptionPolicy {
    /** A member picked at random. */
    RANDOM,
    /** Members in turn. */
    ROUND_ROBIN,
    /**
     * VerneMQ: a member on the publisher's cluster node if there is one, else one on another node.
     * On a single node, where every member is local: chooses like {@link #RANDOM}.
     */
    PREFER_LOCAL,
    /**
     * VerneMQ: only members on the publisher's cluster node. On a single node, where every member
     * is local: chooses like {@link #RANDOM}.
     */
    LOCAL_ONLY;

    /** The policy spelled {@code name} (any case, as in broker.conf), or null when there is none. */
    public static SharedSubscriptionPolicy parse(String name) {
        for (SharedSubscriptionPolicy p : values()) {
            if (p.name().equalsIgnoreCase(name.strip())) {
                return p;
            }
        }
        return null;
    }
}
