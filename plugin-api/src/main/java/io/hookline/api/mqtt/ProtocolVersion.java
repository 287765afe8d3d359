package io.hookline.api.mqtt;

/**
 * The MQTT protocol level a client connected with. It decides whether the plain or the
 * {@code _m5} variant of a hook is raised for that client.
 *
 * <pre>{@code
 * if (input.client().version().isMqtt5()) { ... user properties are available ... }
 * }</pre>
 */
public enum ProtocolVersion {
    /** MQTT 3.1 (protocol level 3). */
    MQTT_3_1,
    /** MQTT 3.1.1 (protocol level 4). */
    MQTT_3_1_1,
    /** MQTT 5.0 (protocol level 5). */
    MQTT_5;

    /** @return true for MQTT 5.0 clients, which are served by the {@code _m5} hooks */
    public boolean isMqtt5() {
        return this == MQTT_5;
    }
}
