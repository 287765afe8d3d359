package io.hookline.api.hook.input;

import io.hookline.api.mqtt.ProtocolVersion;
import java.util.Objects;

/**
 * Who a hook call is about: VerneMQ's subscriber id (mountpoint + client id), the user name
 * and the protocol version.
 *
 * <pre>{@code
 * Client c = input.client();
 * if (c.username() == null) { return Answer.next(); }   // anonymous
 * }</pre>
 *
 * @param mountpoint the mountpoint ({@code ""} when none)
 * @param clientId the MQTT client identifier
 * @param username the user name, or null when the client sent none
 * @param version the protocol version the client connected with
 */
public record Client(String mountpoint, String clientId, String username, ProtocolVersion version) {
    /** Used by broker-wide events such as {@code on_config_change}. */
    public static final Client NONE = new Client("", "", null, ProtocolVersion.MQTT_5);

    public Client {
        Objects.requireNonNull(mountpoint, "mountpoint");
        Objects.requireNonNull(clientId, "clientId");
        Objects.requireNonNull(version, "version");
    }
}
