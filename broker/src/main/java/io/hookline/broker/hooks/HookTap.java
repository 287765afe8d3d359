package io.hookline.broker.hooks;

/**
 * Watches the hook calls of some clients ({@code admin trace client}). Implementations are
 * thread-safe; {@link #wants} must be cheap: it is asked on every chain run while a tap is set.
 */
public interface HookTap {
    boolean wants(String clientId);

    void emit(String clientId, String line);
}
