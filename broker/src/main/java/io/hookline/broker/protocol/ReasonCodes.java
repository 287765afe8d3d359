package io.hookline.broker.protocol;

/** MQTT 5 reason codes (§2.4) and MQTT 3 CONNACK return codes used by the broker. */
public final class ReasonCodes {
    private ReasonCodes() {}

    public static final byte SUCCESS = 0x00;
    public static final byte NO_MATCHING_SUBSCRIBERS = 0x10;
    public static final byte NO_SUBSCRIPTION_EXISTED = 0x11;
    public static final byte DISCONNECT_WITH_WILL = 0x04;
    public static final byte CONTINUE_AUTHENTICATION = 0x18;
    public static final byte REAUTHENTICATE = 0x19;
    public static final byte UNSPECIFIED_ERROR = (byte) 0x80;
    public static final byte MALFORMED_PACKET = (byte) 0x81;
    public static final byte PROTOCOL_ERROR = (byte) 0x82;
    public static final byte IMPLEMENTATION_SPECIFIC_ERROR = (byte) 0x83;
    public static final byte UNSUPPORTED_PROTOCOL_VERSION = (byte) 0x84;
    public static final byte CLIENT_IDENTIFIER_NOT_VALID = (byte) 0x85;
    public static final byte BAD_USER_NAME_OR_PASSWORD = (byte) 0x86;
    public static final byte NOT_AUTHORIZED = (byte) 0x87;
    public static final byte SERVER_UNAVAILABLE = (byte) 0x88;
    public static final byte SERVER_BUSY = (byte) 0x89;
    public static final byte BAD_AUTHENTICATION_METHOD = (byte) 0x8C;
    public static final byte KEEP_ALIVE_TIMEOUT = (byte) 0x8D;
    public static final byte SESSION_TAKEN_OVER = (byte) 0x8E;
    public static final byte TOPIC_FILTER_INVALID = (byte) 0x8F;
    public static final byte TOPIC_NAME_INVALID = (byte) 0x90;
    public static final byte PACKET_IDENTIFIER_NOT_FOUND = (byte) 0x92;
    public static final byte RECEIVE_MAXIMUM_EXCEEDED = (byte) 0x93;
    public static final byte TOPIC_ALIAS_INVALID = (byte) 0x94;
    public static final byte PACKET_TOO_LARGE = (byte) 0x95;
    public static final byte QUOTA_EXCEEDED = (byte) 0x97;
    public static final byte PAYLOAD_FORMAT_INVALID = (byte) 0x99;
    public static final byte RETAIN_NOT_SUPPORTED = (byte) 0x9A;
    public static final byte QOS_NOT_SUPPORTED = (byte) 0x9B;
    public static final byte USE_ANOTHER_SERVER = (byte) 0x9C;
    public static final byte SERVER_SHUTTING_DOWN = (byte) 0x8B;
    public static final byte ADMINISTRATIVE_ACTION = (byte) 0x98;
    public static final byte MAXIMUM_CONNECT_TIME = (byte) 0xA0;
    public static final byte SHARED_SUBSCRIPTIONS_NOT_SUPPORTED = (byte) 0x9E;
    public static final byte SUBSCRIPTION_IDENTIFIERS_NOT_SUPPORTED = (byte) 0xA1;
    public static final byte WILDCARD_SUBSCRIPTIONS_NOT_SUPPORTED = (byte) 0xA2;

    // MQTT 3.1 / 3.1.1 CONNACK return codes
    public static final byte V3_UNACCEPTABLE_PROTOCOL_VERSION = 0x01;
    public static final byte V3_IDENTIFIER_REJECTED = 0x02;
    public static final byte V3_SERVER_UNAVAILABLE = 0x03;
    public static final byte V3_BAD_USER_NAME_OR_PASSWORD = 0x04;
    public static final byte V3_NOT_AUTHORIZED = 0x05;

    /** The v3 CONNACK return code closest to a v5 reason code. */
    public static byte toV3Connack(byte v5) {
        return switch (v5) {
            case SUCCESS -> SUCCESS;
            case UNSUPPORTED_PROTOCOL_VERSION -> V3_UNACCEPTABLE_PROTOCOL_VERSION;
            case CLIENT_IDENTIFIER_NOT_VALID -> V3_IDENTIFIER_REJECTED;
            case BAD_USER_NAME_OR_PASSWORD -> V3_BAD_USER_NAME_OR_PASSWORD;
            case NOT_AUTHORIZED, BAD_AUTHENTICATION_METHOD -> V3_NOT_AUTHORIZED;
            default -> V3_SERVER_UNAVAILABLE;
        };
    }
}
