package io.hookline.api.hook.input;

import io.hookline.api.mqtt.Bytes;
import io.hookline.api.mqtt.Properties;
import java.util.Objects;

/**
 * Input of {@code on_auth_m5}: one step of MQTT 5 enhanced authentication (the CONNECT's
 * authentication method/data, then each AUTH packet, also for re-authentication).
 *
 * <pre>{@code
 * ctx.register(Hooks.ON_AUTH_M5, in -> "TOKEN".equals(in.authMethod())
 *         ? Answer.ok(Modifiers.of(Modifier.REASON_CODE, 0x00)) : Answer.next());
 * }</pre>
 *
 * @param client who authenticates
 * @param authMethod the authentication method
 * @param authData the authentication data (empty when absent)
 * @param reauthentication true when the client re-authenticates on a live connection
 * @param properties the packet's other properties
 */
public record EnhancedAuthInput(
        Client client, String authMethod, Bytes authData, boolean reauthentication, Properties properties)
        implements HookInput {
    public EnhancedAuthInput {
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(authMethod, "authMethod");
        authData = authData == null ? Bytes.EMPTY : authData;
        properties = properties == null ? Properties.EMPTY : properties;
    }
}
