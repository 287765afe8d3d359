package io.hookline.broker.hooks;

/**
 * Watches the hook calls of some clients ({@code admin trace client}). Implementations are
 * thread-safe; {@link #wants} must be cheap: it is asked on every chain run while a tap is set.
 */
public interface HookTap {
    /** @return true when someone watches {@code clientId} on {@code mountpoint} (client ids are per mountpoint) */
    boolean wants(String mountpoint, String clientId);

    void emit(String mountpoint, String clientId, String line);
}
