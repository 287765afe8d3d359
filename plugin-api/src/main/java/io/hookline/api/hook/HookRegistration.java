package io.hookline.api.hook;

/**
 * A handler's place in a chain. Removing it never drops a call already in flight: that call
 * completes and its answer is used; later calls skip the handler.
 *
 * <pre>{@code
 * HookRegistration reg = ctx.register(Hooks.ON_DELIVER, in -> Answer.next());
 * ...
 * reg.unregister();
 * }</pre>
 */
public interface HookRegistration {
    /** @return the hook the handler serves */
    Hook<?> hook();

    /** @return the effective priority */
    int priority();

    /** Removes the handler from its chain; idempotent. */
    void unregister();
}
