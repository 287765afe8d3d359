package io.hookline.broker.hooks;

import io.hookline.api.hook.Modifiers;
import io.hookline.api.mqtt.Properties;

/**
 * The result of {@code on_auth_m5} for one step of MQTT 5 enhanced authentication.
 * Success: CONNACK 0x00 (or AUTH 0x00 on re-authentication). Continue: AUTH 0x18 with the
 * properties (method, data). Failed: CONNACK with the code (or DISCONNECT on re-authentication).
 */
public sealed interface EnhancedAuthVerdict
        permits EnhancedAuthVerdict.Success, EnhancedAuthVerdict.Continue, EnhancedAuthVerdict.Failed {
    /** CONNACK/DISCONNECT 0x8C: bad authentication method (no handler understood it). */
    int BAD_AUTHENTICATION_METHOD = 0x8C;

    /** @param modifiers the answer's modifiers; {@code properties} go into CONNACK/AUTH */
    record Success(Modifiers modifiers) implements EnhancedAuthVerdict {}

    /** @param properties authentication method and data for the AUTH packet (reason 0x18) */
    record Continue(Properties properties) implements EnhancedAuthVerdict {}

    /**
     * @param reason why (logged)
     * @param reasonCode CONNACK/DISCONNECT reason code
     * @param properties reason string and the like
     */
    record Failed(String reason, int reasonCode, Properties properties) implements EnhancedAuthVerdict {}
}
