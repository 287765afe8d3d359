package io.hookline.api.hook.input;

import io.hookline.api.mqtt.Bytes;
import io.hookline.api.mqtt.Properties;
import java.util.Objects;

/**
 * A message: input of {@code auth_on_publish(_m5)} (also for the will at CONNECT),
 * {@code on_publish(_m5)}, {@code on_deliver(_m5)} and {@code on_offline_message}.
 *
 * <pre>{@code
 * ctx.register(Hooks.AUTH_ON_PUBLISH, in -> in.topic().startsWith("public/")
 *         ? Answer.ok() : Answer.next());
 * }</pre>
 *
 * @param client the publisher ({@code on_deliver}, {@code on_offline_message}: the receiver)
 * @param topic the topic name
 * @param qos 0, 1 or 2
 * @param payload the payload
 * @param retain the retain flag
 * @param properties the PUBLISH properties (MQTT 5; empty otherwise)
 */
public record PublishInput(Client client, String topic, int qos, Bytes payload, boolean retain, Properties properties)
        implements HookInput {
    public PublishInput {
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(topic, "topic");
        payload = payload == null ? Bytes.EMPTY : payload;
        properties = properties == null ? Properties.EMPTY : properties;
    }
}
