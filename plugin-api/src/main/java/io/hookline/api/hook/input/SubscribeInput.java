package io.hookline.api.hook.input;

import io.hookline.api.mqtt.Properties;
import io.hookline.api.mqtt.TopicSubscription;
import java.util.List;
import java.util.Objects;

/**
 * Input of {@code auth_on_subscribe(_m5)} (the requested filters) and {@code on_subscribe(_m5)}
 * (the granted QoS per filter, {@code >= 0x80} = refused).
 *
 * <pre>{@code
 * ctx.register(Hooks.AUTH_ON_SUBSCRIBE, in -> Answer.ok(Modifiers.of(Modifier.TOPICS,
 *         in.topics().stream().map(t -> t.topic().startsWith("admin/")
 *                 ? TopicSubscription.refused(t.topic(), 0x80) : t).toList())));
 * }</pre>
 *
 * @param client the subscriber
 * @param topics the filters in packet order
 * @param properties the SUBSCRIBE properties (MQTT 5; empty otherwise)
 */
public record SubscribeInput(Client client, List<TopicSubscription> topics, Properties properties)
        implements HookInput {
    public SubscribeInput {
        Objects.requireNonNull(client, "client");
        topics = List.copyOf(topics);
        properties = properties == null ? Properties.EMPTY : properties;
    }
}
