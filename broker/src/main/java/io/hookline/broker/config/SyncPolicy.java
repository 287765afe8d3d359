package io.hookline.broker.config;

/**
 * When the store forces its write-ahead log to disk ({@code persistence.sync}). A write's
 * future completes once its batch is in the WAL in every policy, so a killed process loses
 * nothing acknowledged; the policy decides what a power loss can take.
 */
public enum SyncPolicy {
    /** fsync every {@code persistence.sync_interval}: a power loss takes at most that much. */
    INTERVAL,
    /** fsync before completing, once for the whole group of concurrent writes. */
    ALWAYS,
    /** never fsync explicitly: the operating system decides. */
    NEVER
}
