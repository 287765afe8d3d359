package io.hookline.api.hook.input;

import java.util.List;
import java.util.Objects;

/**
 * Input of {@code on_topic_unsubscribed}: filters were removed from a session, either by
 * UNSUBSCRIBE or, with {@link #allTopics()}, because the session ended.
 *
 * <pre>{@code
 * ctx.notifications(Hooks.ON_TOPIC_UNSUBSCRIBED, ev -> {
 *     if (ev.allTopics()) { index.removeAll(ev.client()); } else { index.remove(ev.client(), ev.topics()); }
 * });
 * }</pre>
 *
 * @param client the subscriber
 * @param topics the removed filters (when {@code allTopics}: every filter the session had)
 * @param allTopics true when the session ended and every subscription of it went away
 */
public record TopicsUnsubscribed(Client client, List<String> topics, boolean allTopics) implements HookInput {
    public TopicsUnsubscribed {
        Objects.requireNonNull(client, "client");
        topics = List.copyOf(topics);
    }
}
