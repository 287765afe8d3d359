package io.hookline.broker.config;

/** How one member of a shared subscription group is chosen for a message (online members first). */
public enum SharedSubscriptionPolicy {
    /** A member picked at random. */
    RANDOM,
    /** Members in turn. */
    ROUND_ROBIN
}
