package io.hookline.broker.hooks;

import io.hookline.api.auth.SessionPermissions;
import io.hookline.api.hook.Answer;
import io.hookline.api.hook.Modifier;
import io.hookline.api.hook.Modifiers;
import io.hookline.api.hook.input.Client;
import io.hookline.api.mqtt.Properties;
import io.hookline.api.mqtt.ProtocolVersion;

/**
 * The result of {@code auth_on_register(_m5)} for the protocol: accept (with the effective client
 * identity, modifiers and permissions) or refuse (with the CONNACK code per protocol version).
 */
public sealed interface RegisterVerdict permits RegisterVerdict.Accepted, RegisterVerdict.Refused {
    /** CONNACK (v3) 4: bad user name or password. */
    int V3_BAD_CREDENTIALS = 4;
    /** CONNACK (v3) 5: not authorized. */
    int V3_NOT_AUTHORIZED = 5;
    /** CONNACK (v5) 0x86: bad user name or password. */
    int V5_BAD_CREDENTIALS = 0x86;
    /** CONNACK (v5) 0x87: not authorized. */
    int V5_NOT_AUTHORIZED = 0x87;

    /**
     * Accept the client.
     *
     * @param client the identity after {@code client_id}, {@code mountpoint} and {@code username} modifiers
     * @param modifiers every modifier of the deciding answer (session limits, clean_session, properties ...)
     * @param permissions session permissions to attach, or null
     */
    record Accepted(Client client, Modifiers modifiers, SessionPermissions permissions) implements RegisterVerdict {
        /** @return the CONNACK properties a plugin asked for (MQTT 5), e.g. user properties */
        public Properties connackProperties() {
            return modifiers.get(Modifier.PROPERTIES).orElse(Properties.EMPTY);
        }
    }

    /**
     * Refuse the client: send CONNACK with {@link #connackCode} and close.
     *
     * @param reason why (logged; the plugin's error reason)
     * @param mqtt3Code the CONNACK return code for 3.1/3.1.1 (4 or 5)
     * @param mqtt5Code the CONNACK reason code for 5.0
     * @param properties CONNACK properties for 5.0 (reason string, server reference)
     */
    record Refused(String reason, int mqtt3Code, int mqtt5Code, Properties properties) implements RegisterVerdict {
        public int connackCode(ProtocolVersion version) {
            return version.isMqtt5() ? mqtt5Code : mqtt3Code;
        }
    }

    /** @return the refusal an error answer stands for (docs/hooks.md: bad credentials -> 4/0x86, else 5/0x87 or the plugin's code) */
    static Refused refusal(Answer.Error error) {
        boolean badCredentials = Answer.Error.INVALID_CREDENTIALS.equals(error.reason());
        int v5 = error.reasonCode().orElse(badCredentials ? V5_BAD_CREDENTIALS : V5_NOT_AUTHORIZED);
        int v3 = badCredentials || v5 == V5_BAD_CREDENTIALS ? V3_BAD_CREDENTIALS : V3_NOT_AUTHORIZED;
        return new Refused(error.reason(), v3, v5, error.properties());
    }
}
