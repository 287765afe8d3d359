package io.hookline.broker.transport;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * Checks on a whole packet's raw bytes that Netty's MqttDecoder does not make: that a CONNECT's
 * fields fit its remaining length exactly (Netty would read past it into the next packet, or
 * wait for bytes that never come), and that an MQTT 5 property block is well formed with no
 * property repeated that may appear once and no Payload Format Indicator above 1 (Netty keeps
 * only the last of a repeated property, so afterwards nobody can tell). Stateless.
 */
final class PacketChecks {
    private PacketChecks() {}

    /** What is wrong with a packet: a Protocol Error (v5 0x82) or else a Malformed Packet (0x81). */
    record Finding(boolean protocolError, String why) {
        static Finding malformed(String why) {
            return new Finding(false, why);
        }
    }

    // results of properties() below 0
    static final int DOES_NOT_FIT = -1;
    static final int UNKNOWN = -2;
    static final int BAD_FORMAT_INDICATOR = -3;
    /** A repeated property: REPEATED - id. */
    static final int REPEATED = -0x100;

    private static final int USER_PROPERTY = 0x26, PAYLOAD_FORMAT_INDICATOR = 0x01;
    private static final byte[] MQTT = "MQTT".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] MQISDP = "MQIsdp".getBytes(StandardCharsets.US_ASCII);

    /**
     * The index after the property block at {@code pos}, or below 0 when it is not well formed:
     * {@link #DOES_NOT_FIT} (a length or value runs past {@code end}), {@link #UNKNOWN} (no such
     * property), {@link #BAD_FORMAT_INDICATOR}, or {@link #REPEATED} minus the repeated id.
     */
    static int properties(ByteBuf in, int pos, int end) {
        int length = 0;
        for (int shift = 0; ; shift += 7) {
            if (pos >= end || shift > 21) {
                return DOES_NOT_FIT;
            }
            int digit = in.getUnsignedByte(pos++);
            length |= (digit & 0x7F) << shift;
            if ((digit & 0x80) == 0) {
                break;
            }
        }
        int blockEnd = pos + length;
        if (blockEnd > end || blockEnd < 0) {
            return DOES_NOT_FIT;
        }
        long seen = 0;
        while (pos < blockEnd) {
            int id = in.getUnsignedByte(pos++);
            int size;
            switch (id) {
                case 0x01, 0x17, 0x19, 0x24, 0x25, 0x28, 0x29, 0x2A -> size = 1;
                case 0x13, 0x21, 0x22, 0x23 -> size = 2;
                case 0x02, 0x11, 0x18, 0x27 -> size = 4;
                case 0x0B -> { // Subscription Identifier: a variable byte integer
                    size = 0;
                    for (int n = 0; ; n++) {
                        if (pos >= blockEnd || n == 4) {
                            return DOES_NOT_FIT;
                        }
                        if ((in.getUnsignedByte(pos++) & 0x80) == 0) {
                            break;
                        }
                    }
                }
                case 0x03, 0x08, 0x09, 0x12, 0x15, 0x16, 0x1A, 0x1C, 0x1F -> { // string or binary
                    if (pos + 2 > blockEnd) {
                        return DOES_NOT_FIT;
                    }
                    size = 2 + in.getUnsignedShort(pos);
                }
                case USER_PROPERTY -> { // a string pair
                    int value = string(in, pos, blockEnd);
                    if (value < 0 || value + 2 > blockEnd) {
                        return DOES_NOT_FIT;
                    }
                    size = value + 2 + in.getUnsignedShort(value) - pos;
                }
                default -> {
                    return UNKNOWN;
                }
            }
            if (id != USER_PROPERTY) {
                if ((seen & 1L << id) != 0) {
                    return REPEATED - id;
                }
                seen |= 1L << id;
            }
            if (pos + size > blockEnd) {
                return DOES_NOT_FIT;
            }
            if (id == PAYLOAD_FORMAT_INDICATOR && in.getUnsignedByte(pos) > 1) {
                return BAD_FORMAT_INDICATOR;
            }
            pos += size;
        }
        return blockEnd;
    }

    /** What a negative result of {@link #properties} means for a packet of {@code what}. */
    static Finding propertyFinding(int result, String what) {
        if (result <= REPEATED) {
            return new Finding(
                    true, "property 0x" + Integer.toHexString(REPEATED - result) + " more than once in " + what);
        }
        return switch (result) {
            case UNKNOWN -> Finding.malformed("unknown property in " + what);
            case BAD_FORMAT_INDICATOR -> new Finding(true, "payload format indicator above 1 in " + what);
            default -> Finding.malformed("properties of " + what + " longer than the packet");
        };
    }

    /** The index after the two-byte-length string at {@code pos}, or -1 when it runs past {@code end}. */
    static int string(ByteBuf in, int pos, int end) {
        if (pos + 2 > end) {
            return -1;
        }
        int next = pos + 2 + in.getUnsignedShort(pos);
        return next <= end ? next : -1;
    }

    /**
     * The protocol level byte of the CONNECT whose body is at {@code from} (bridge bit included),
     * or -1 when the protocol name and level do not fit before {@code end}.
     */
    static int connectLevel(ByteBuf in, int from, int end) {
        int at = string(in, from, end);
        return at < 0 || at >= end ? -1 : in.getUnsignedByte(at);
    }

    /** Whether the CONNECT at {@code from} names a protocol spoken here: "MQTT" 4 or 5, "MQIsdp" 3. */
    static boolean knownProtocol(ByteBuf in, int from, int level) {
        int length = in.getUnsignedShort(from);
        byte[] name = level == 3 ? MQISDP : level == 4 || level == 5 ? MQTT : null;
        if (name == null || length != name.length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            if (in.getByte(from + 2 + i) != name[i]) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether the fields of a CONNECT of a known protocol {@code level} (3, 4, 5) fill its body
     * from {@code from} to {@code end} exactly, the v5 property blocks included; null when they do.
     */
    static Finding connect(ByteBuf in, int from, int end, int level) {
        int pos = from + 2 + in.getUnsignedShort(from) + 1; // after the protocol name and level
        if (pos + 3 > end) {
            return Finding.malformed("CONNECT flags or keep alive cut off");
        }
        int flags = in.getUnsignedByte(pos);
        pos += 3;
        if (level == 5) {
            pos = properties(in, pos, end);
            if (pos < 0) {
                return propertyFinding(pos, "CONNECT");
            }
        }
        if ((pos = string(in, pos, end)) < 0) {
            return Finding.malformed("client id longer than the CONNECT");
        }
        if ((flags & 0x04) != 0) {
            if (level == 5) {
                pos = properties(in, pos, end);
                if (pos < 0) {
                    return propertyFinding(pos, "the will");
                }
            }
            if ((pos = string(in, pos, end)) < 0 || (pos = string(in, pos, end)) < 0) {
                return Finding.malformed("will flag set but the will topic or message is cut off");
            }
        }
        if ((flags & 0x80) != 0 && (pos = string(in, pos, end)) < 0) {
            return Finding.malformed("user name flag set but the user name is cut off");
        }
        if ((flags & 0x40) != 0 && (pos = string(in, pos, end)) < 0) {
            return Finding.malformed("password flag set but the password is cut off");
        }
        return pos == end ? null : Finding.malformed((end - pos) + " bytes after the CONNECT's last field");
    }
}
