package io.hookline.broker.hooks;

import io.hookline.api.hook.Answer;
import io.hookline.api.hook.Modifiers;

/**
 * How one run of an AUTH or REWRITE chain ended. For REWRITE chains {@link Status#DENIED} means
 * "an error answer or failure: message unchanged". Immutable.
 *
 * @param status allowed, denied or undecided
 * @param modifiers the deciding handler's modifiers (validated), {@link Modifiers#NONE} otherwise
 * @param error the deny answer, for {@link Status#DENIED}
 * @param anyHandler false when no active handler was asked at all
 * @param decidedBy the plugin whose answer decided, or null
 */
public record ChainOutcome(
        Status status, Modifiers modifiers, Answer.Error error, boolean anyHandler, String decidedBy) {
    /** How a chain ended. */
    public enum Status {
        ALLOWED,
        DENIED,
        UNDECIDED
    }

    static final ChainOutcome NO_HANDLER = new ChainOutcome(Status.UNDECIDED, Modifiers.NONE, null, false, null);
    static final ChainOutcome ALL_NEXT = new ChainOutcome(Status.UNDECIDED, Modifiers.NONE, null, true, null);

    static ChainOutcome allowed(Modifiers modifiers, String plugin) {
        return new ChainOutcome(Status.ALLOWED, modifiers, null, true, plugin);
    }

    static ChainOutcome denied(Answer.Error error, String plugin) {
        return new ChainOutcome(Status.DENIED, Modifiers.NONE, error, true, plugin);
    }
}
