package io.hookline.api.hook.input;

import io.hookline.api.mqtt.Properties;
import java.util.List;
import java.util.Objects;

/**
 * Input of {@code on_unsubscribe(_m5)}: the filters a client asks to remove.
 *
 * <pre>{@code
 * ctx.register(Hooks.ON_UNSUBSCRIBE, in -> Answer.ok(Modifiers.of(Modifier.UNSUBSCRIBE_TOPICS,
 *         in.topics().stream().map(t -> "tenant/" + t).toList())));
 * }</pre>
 *
 * @param client the subscriber
 * @param topics the filters in packet order
 * @param properties the UNSUBSCRIBE properties (MQTT 5; empty otherwise)
 */
public record UnsubscribeInput(Client client, List<String> topics, Properties properties) implements HookInput {
    public UnsubscribeInput {
        Objects.requireNonNull(client, "client");
        topics = List.copyOf(topics);
        properties = properties == null ? Properties.EMPTY : properties;
    }
}
