package io.hookline.api.hook.input;

/**
 * The immutable input of a hook call. Every input names the client it is about.
 *
 * <pre>{@code
 * HookInput in = ...;
 * String who = in.client().clientId();
 * }</pre>
 */
public interface HookInput {
    /** @return the client the call is about ({@link Client#NONE} for broker-wide events) */
    Client client();
}
