package io.hookline.api.hook.input;

import io.hookline.api.mqtt.Properties;
import java.util.Objects;

/**
 * Input of {@code on_register(_m5)}: a client was accepted (after CONNACK).
 *
 * <pre>{@code
 * ctx.notifications(Hooks.ON_REGISTER, ev -> log.log(Level.INFO, "{0} from {1}",
 *         ev.client().clientId(), ev.peerAddr()));
 * }</pre>
 *
 * @param client the client, as accepted (after any modifiers)
 * @param peerAddr the remote IP address as text
 * @param peerPort the remote port
 * @param properties the CONNECT properties (MQTT 5; empty otherwise)
 */
public record RegisterEvent(Client client, String peerAddr, int peerPort, Properties properties) implements HookInput {
    public RegisterEvent {
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(peerAddr, "peerAddr");
        properties = properties == null ? Properties.EMPTY : properties;
    }
}
