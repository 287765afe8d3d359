package io.hookline.broker.hooks;

import io.hookline.api.hook.FailurePolicy;
import java.time.Duration;

/**
 * One row of a chain's effective order, for {@code admin plugin show}.
 *
 * @param hook the hook name
 * @param position 1-based position in the chain
 * @param plugin the owning plugin
 * @param priority the effective priority
 * @param mayBlock runs off the event loop
 * @param async answers through a CompletionStage
 * @param timeout per-call timeout
 * @param onFailure failure policy
 * @param stats live counters of the handler
 */
public record HandlerInfo(
        String hook,
        int position,
        String plugin,
        int priority,
        boolean mayBlock,
        boolean async,
        Duration timeout,
        FailurePolicy onFailure,
        CallStats stats) {}
