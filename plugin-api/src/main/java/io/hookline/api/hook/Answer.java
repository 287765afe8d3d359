package io.hookline.api.hook;

import io.hookline.api.mqtt.Properties;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * A handler's answer: {@link Ok} (allow, optionally with {@link Modifiers}), {@link Next} (no
 * opinion, ask the next handler) or {@link Error} (deny, with a reason and optionally the MQTT 5
 * reason code to send). The type is sealed: these three are all there is (with Java 21 a
 * pattern {@code switch} over it is checked for exhaustiveness).
 *
 * <pre>{@code
 * Answer a = switch (lookup(in.client().username())) {
 *     case FOUND_GOOD -> Answer.ok();
 *     case FOUND_BAD -> Answer.badCredentials();
 *     case UNKNOWN -> Answer.next();
 * };
 * }</pre>
 */
public sealed interface Answer permits Answer.Ok, Answer.Next, Answer.Error {
    /** @return a plain {@code ok} */
    static Ok ok() {
        return Ok.PLAIN;
    }

    /** @return {@code ok} with modifiers */
    static Ok ok(Modifiers modifiers) {
        return modifiers.isEmpty() ? Ok.PLAIN : new Ok(modifiers);
    }

    /** @return {@code next} */
    static Next next() {
        return Next.INSTANCE;
    }

    /** @return a denial with {@code reason} (broker picks the reason code) */
    static Error error(String reason) {
        return new Error(reason, OptionalInt.empty(), Properties.EMPTY);
    }

    /** @return a denial with {@code reason} and the MQTT 5 reason code to send (e.g. 0x8A banned) */
    static Error error(String reason, int reasonCode) {
        return new Error(reason, OptionalInt.of(reasonCode), Properties.EMPTY);
    }

    /** @return the denial meaning wrong user name or password (CONNACK 4 / 0x86) */
    static Error badCredentials() {
        return new Error(Error.INVALID_CREDENTIALS, OptionalInt.empty(), Properties.EMPTY);
    }

    /**
     * Allow.
     *
     * <pre>{@code
     * Answer.ok(Modifiers.of(Modifier.QOS, 0))
     * }</pre>
     *
     * @param modifiers what to change; {@link Modifiers#NONE} for a plain {@code ok}
     */
    record Ok(Modifiers modifiers) implements Answer {
        static final Ok PLAIN = new Ok(Modifiers.NONE);

        public Ok {
            Objects.requireNonNull(modifiers, "modifiers");
        }
    }

    /**
     * No opinion: ask the next handler.
     *
     * <pre>{@code
     * return Answer.next();
     * }</pre>
     */
    record Next() implements Answer {
        static final Next INSTANCE = new Next();
    }

    /**
     * Deny.
     *
     * <pre>{@code
     * new Answer.Error("use_another_server", OptionalInt.of(0x9C),
     *         Properties.builder().put(PropertyKey.SERVER_REFERENCE, "mqtt2.example.com").build())
     * }</pre>
     *
     * @param reason a short reason, logged and passed on (e.g. {@code invalid_credentials})
     * @param reasonCode the MQTT 5 reason code to send ({@code >= 0x80}); empty for the default
     * @param properties MQTT 5 properties for the refusal (reason string, server reference)
     */
    record Error(String reason, OptionalInt reasonCode, Properties properties) implements Answer {
        /** Wrong user name or password: CONNACK 4 (MQTT 3) / 0x86 (MQTT 5). */
        public static final String INVALID_CREDENTIALS = "invalid_credentials";
        /** The generic denial. */
        public static final String NOT_AUTHORIZED = "not_authorized";

        public Error {
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(reasonCode, "reasonCode");
            properties = properties == null ? Properties.EMPTY : properties;
            if (reasonCode.isPresent() && (reasonCode.getAsInt() < 0x80 || reasonCode.getAsInt() > 0xFF)) {
                throw new IllegalArgumentException("an error's reason code must be 0x80..0xFF: " + reasonCode);
            }
        }
    }
}
