package io.hookline.api.hook.input;

import io.hookline.api.mqtt.Bytes;
import io.hookline.api.mqtt.Properties;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;

/**
 * Input of {@code auth_on_register} and {@code auth_on_register_m5}: a client sent CONNECT.
 *
 * <pre>{@code
 * ctx.register(Hooks.AUTH_ON_REGISTER, in ->
 *         in.password() != null && in.password().equals(Bytes.utf8("s3cret"))
 *                 ? Answer.ok() : Answer.badCredentials());
 * }</pre>
 *
 * @param client who connects
 * @param peerAddr the remote IP address as text
 * @param peerPort the remote port
 * @param password the password, or null when the client sent none
 * @param cleanSession clean session (MQTT 3) or clean start (MQTT 5)
 * @param properties the CONNECT properties (MQTT 5; empty otherwise)
 * @param listener the name of the listener the client came in on ({@code ""} when unknown)
 * @param certificates the client's certificate chain (TLS with client auth), empty otherwise
 */
public record RegisterInput(
        Client client,
        String peerAddr,
        int peerPort,
        Bytes password,
        boolean cleanSession,
        Properties properties,
        String listener,
        List<X509Certificate> certificates)
        implements HookInput {
    public RegisterInput {
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(peerAddr, "peerAddr");
        properties = properties == null ? Properties.EMPTY : properties;
        listener = listener == null ? "" : listener;
        certificates = certificates == null ? List.of() : List.copyOf(certificates);
    }
}
