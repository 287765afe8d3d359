package io.hookline.broker.hooks;

import io.hookline.api.hook.Modifier;
import io.hookline.api.hook.Modifiers;
import io.hookline.api.hook.input.Client;
import io.hookline.api.hook.input.PublishInput;
import io.hookline.api.mqtt.Properties;

/**
 * The result of {@code auth_on_publish(_m5)} (also for the will at CONNECT).
 * Denied: MQTT 5 answers PUBACK/PUBREC with {@link Denied#reasonCode()}; MQTT 3.1.1 closes the
 * connection (or drops silently when so configured); a denied will refuses the CONNECT.
 */
public sealed interface PublishVerdict permits PublishVerdict.Allowed, PublishVerdict.Denied {
    /** Allowed unchanged: the shared answer of an empty chain (no allocation). */
    Allowed ALLOWED = new Allowed(Modifiers.NONE);

    /**
     * Allow, possibly rewritten.
     *
     * @param modifiers topic, payload, qos, retain, mountpoint, throttle, properties
     */
    record Allowed(Modifiers modifiers) implements PublishVerdict {
        /** @return the message with the modifiers applied ({@code in} itself when there are none) */
        public PublishInput apply(PublishInput in) {
            if (modifiers.isEmpty()) {
                return in;
            }
            Client c = in.client();
            Client client = modifiers
                    .get(Modifier.MOUNTPOINT)
                    .map(m -> new Client(m, c.clientId(), c.username(), c.version()))
                    .orElse(c);
            return new PublishInput(
                    client,
                    modifiers.get(Modifier.TOPIC).orElse(in.topic()),
                    modifiers.get(Modifier.QOS).orElse(in.qos()),
                    modifiers.get(Modifier.PAYLOAD).orElse(in.payload()),
                    modifiers.get(Modifier.RETAIN).orElse(in.retain()),
                    modifiers.get(Modifier.PROPERTIES).orElse(in.properties()));
        }

        /** @return milliseconds to pause reading from the publisher (0 = none) */
        public long throttleMillis() {
            return modifiers.get(Modifier.THROTTLE).orElse(0L);
        }
    }

    /**
     * Deny.
     *
     * @param reason why (logged)
     * @param reasonCode the MQTT 5 PUBACK/PUBREC reason code (0x87 unless the plugin chose one)
     * @param properties MQTT 5 properties for the ack (reason string)
     */
    record Denied(String reason, int reasonCode, Properties properties) implements PublishVerdict {}
}
