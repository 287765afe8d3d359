package io.hookline.api.hook;

import java.time.Duration;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * How a handler is registered: its priority in the chain (lower runs first; ties keep
 * registration order), whether it may block, its timeout and its failure policy. Unset values
 * come from the broker: priority from {@code plugins.<name>.priority} (which, when set by the
 * operator, also overrides the value here), timeout from the engine's default, policy from the
 * hook's kind.
 *
 * <p>A plugin that serves a hook for MQTT 3.1/3.1.1 clients ({@code auth_on_publish}) but not its
 * {@code _m5} twin is asked the 3.1.1 hook for MQTT 5 clients too (without the MQTT 5-only
 * inputs), so a rule written once never fails open for the other protocol. The pairing is per
 * plugin and {@link #source}: a plugin that serves several independent rule sets (scripts,
 * endpoints) names each, so one set's {@code _m5} handler does not excuse another's.
 *
 * <pre>{@code
 * HandlerOptions opts = HandlerOptions.DEFAULT
 *         .priority(10).blocking().timeout(Duration.ofMillis(500)).onFailure(FailurePolicy.NEXT);
 * }</pre>
 *
 * @param priority the priority, or empty for the plugin's
 * @param mayBlock true when the handler may block (it then runs off the event loop)
 * @param timeout the per-call timeout, or null for the engine default
 * @param onFailure the failure policy, or null for the hook kind's default
 * @param source which of the plugin's rule sets the handler belongs to ("" = the plugin as a whole)
 */
public record HandlerOptions(
        OptionalInt priority, boolean mayBlock, Duration timeout, FailurePolicy onFailure, String source) {
    /** Plugin priority, non-blocking, default timeout and policy. */
    public static final HandlerOptions DEFAULT = new HandlerOptions(OptionalInt.empty(), false, null, null, "");

    public HandlerOptions {
        Objects.requireNonNull(priority, "priority");
        Objects.requireNonNull(source, "source");
        if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
            throw new IllegalArgumentException("timeout must be positive: " + timeout);
        }
    }

    /** @return these options with {@code value} as priority */
    public HandlerOptions priority(int value) {
        return new HandlerOptions(OptionalInt.of(value), mayBlock, timeout, onFailure, source);
    }

    /** @return these options for a handler that may block */
    public HandlerOptions blocking() {
        return new HandlerOptions(priority, true, timeout, onFailure, source);
    }

    /** @return these options with a per-call timeout */
    public HandlerOptions timeout(Duration value) {
        return new HandlerOptions(priority, mayBlock, Objects.requireNonNull(value), onFailure, source);
    }

    /** @return these options with a failure policy */
    public HandlerOptions onFailure(FailurePolicy value) {
        return new HandlerOptions(priority, mayBlock, timeout, Objects.requireNonNull(value), source);
    }

    /**
     * @return these options for a handler of one of the plugin's rule sets (a script, an
     *     endpoint): its 3.1.1 and MQTT 5 handlers are paired per source
     */
    public HandlerOptions source(String value) {
        return new HandlerOptions(priority, mayBlock, timeout, onFailure, Objects.requireNonNull(value));
    }
}
