package io.hookline.api.mqtt;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * A typed MQTT 5 property, named as VerneMQ names it on the wire of its webhooks
 * ({@code p_message_expiry_interval}, ...). User properties are not a key: see
 * {@link Properties#userProperties()}.
 *
 * <pre>{@code
 * long expiry = input.properties().get(PropertyKey.MESSAGE_EXPIRY_INTERVAL).orElse(0L);
 * }</pre>
 *
 * @param <T> the value type
 */
public final class PropertyKey<T> {
    public static final PropertyKey<Integer> PAYLOAD_FORMAT_INDICATOR =
            new PropertyKey<>("p_payload_format_indicator", Integer.class);
    public static final PropertyKey<Long> MESSAGE_EXPIRY_INTERVAL =
            new PropertyKey<>("p_message_expiry_interval", Long.class);
    public static final PropertyKey<String> CONTENT_TYPE = new PropertyKey<>("p_content_type", String.class);
    public static final PropertyKey<String> RESPONSE_TOPIC = new PropertyKey<>("p_response_topic", String.class);
    public static final PropertyKey<Bytes> CORRELATION_DATA = new PropertyKey<>("p_correlation_data", Bytes.class);
    public static final PropertyKey<Long> SESSION_EXPIRY_INTERVAL =
            new PropertyKey<>("p_session_expiry_interval", Long.class);
    public static final PropertyKey<Integer> RECEIVE_MAXIMUM = new PropertyKey<>("p_receive_max", Integer.class);
    public static final PropertyKey<Integer> TOPIC_ALIAS_MAXIMUM =
            new PropertyKey<>("p_topic_alias_max", Integer.class);
    public static final PropertyKey<Long> MAXIMUM_PACKET_SIZE = new PropertyKey<>("p_max_packet_size", Long.class);
    public static final PropertyKey<Boolean> REQUEST_RESPONSE_INFORMATION =
            new PropertyKey<>("p_request_response_info", Boolean.class);
    public static final PropertyKey<Boolean> REQUEST_PROBLEM_INFORMATION =
            new PropertyKey<>("p_request_problem_info", Boolean.class);
    public static final PropertyKey<String> AUTHENTICATION_METHOD =
            new PropertyKey<>("p_authentication_method", String.class);
    public static final PropertyKey<Bytes> AUTHENTICATION_DATA =
            new PropertyKey<>("p_authentication_data", Bytes.class);
    public static final PropertyKey<String> REASON_STRING = new PropertyKey<>("p_reason_string", String.class);
    public static final PropertyKey<String> SERVER_REFERENCE = new PropertyKey<>("p_server_ref", String.class);
    public static final PropertyKey<Long> WILL_DELAY_INTERVAL = new PropertyKey<>("p_will_delay_interval", Long.class);

    private static final List<PropertyKey<?>> ALL = List.of(
            PAYLOAD_FORMAT_INDICATOR,
            MESSAGE_EXPIRY_INTERVAL,
            CONTENT_TYPE,
            RESPONSE_TOPIC,
            CORRELATION_DATA,
            SESSION_EXPIRY_INTERVAL,
            RECEIVE_MAXIMUM,
            TOPIC_ALIAS_MAXIMUM,
            MAXIMUM_PACKET_SIZE,
            REQUEST_RESPONSE_INFORMATION,
            REQUEST_PROBLEM_INFORMATION,
            AUTHENTICATION_METHOD,
            AUTHENTICATION_DATA,
            REASON_STRING,
            SERVER_REFERENCE,
            WILL_DELAY_INTERVAL);
    private static final Map<String, PropertyKey<?>> BY_NAME =
            ALL.stream().collect(Collectors.toUnmodifiableMap(PropertyKey::name, Function.identity()));

    private final String name;
    private final Class<T> type;

    private PropertyKey(String name, Class<T> type) {
        this.name = name;
        this.type = type;
    }

    /** @return the wire name, e.g. {@code p_content_type} */
    public String name() {
        return name;
    }

    /** @return the Java type of the value */
    public Class<T> type() {
        return type;
    }

    /** @return every key, for generic adapters (JSON, Lua) */
    public static List<PropertyKey<?>> all() {
        return ALL;
    }

    /** @return the key with wire name {@code name} */
    public static Optional<PropertyKey<?>> byName(String name) {
        return Optional.ofNullable(BY_NAME.get(Objects.requireNonNull(name)));
    }

    @Override
    public String toString() {
        return name;
    }
}
