package io.hookline.broker.hooks;

import io.hookline.api.hook.Modifier;
import io.hookline.api.hook.Modifiers;
import io.hookline.api.hook.input.PublishInput;

/**
 * The result of {@code on_deliver(_m5)}: the outgoing PUBLISH unchanged or rewritten (topic,
 * payload, MQTT 5 properties). A REWRITE chain never refuses delivery.
 */
public sealed interface DeliverRewrite permits DeliverRewrite.Unchanged, DeliverRewrite.Rewritten {
    /** Deliver as is: the shared answer of an empty chain. */
    Unchanged UNCHANGED = new Unchanged();

    /** Deliver as is. */
    record Unchanged() implements DeliverRewrite {}

    /** @param modifiers topic, payload, properties */
    record Rewritten(Modifiers modifiers) implements DeliverRewrite {
        /** @return the message with the modifiers applied */
        public PublishInput apply(PublishInput in) {
            return new PublishInput(
                    in.client(),
                    modifiers.get(Modifier.TOPIC).orElse(in.topic()),
                    in.qos(),
                    modifiers.get(Modifier.PAYLOAD).orElse(in.payload()),
                    in.retain(),
                    modifiers.get(Modifier.PROPERTIES).orElse(in.properties()));
        }
    }
}
