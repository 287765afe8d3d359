package io.hookline.broker.hooks;

import java.util.List;

/**
 * The result of {@code on_unsubscribe(_m5)}: remove the filters as requested or a rewritten list.
 */
public sealed interface UnsubscribeRewrite permits UnsubscribeRewrite.Unchanged, UnsubscribeRewrite.Rewritten {
    /** As requested: the shared answer of an empty chain. */
    Unchanged UNCHANGED = new Unchanged();

    /** Remove the filters as requested. */
    record Unchanged() implements UnsubscribeRewrite {}

    /** @param topics the filters to remove instead */
    record Rewritten(List<String> topics) implements UnsubscribeRewrite {
        public Rewritten {
            topics = List.copyOf(topics);
        }
    }
}
