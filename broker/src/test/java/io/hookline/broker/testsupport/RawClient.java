package io.hookline.broker.testsupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A raw MQTT client on a plain socket, for crafting packets no client library would send and for
 * what libraries will not do, such as dropping the connection without a DISCONNECT ({@link #abort}).
 * Packets are built byte by byte with {@link Bytes}; replies are read one at a time with a
 * timeout and decoded just enough to check type, flags, reason codes and properties.
 * Not thread-safe: one test thread.
 */
public final class RawClient implements AutoCloseable {

    public static final int CONNECT = 1,
            CONNACK = 2,
            PUBLISH = 3,
            PUBACK = 4,
            PUBREC = 5,
            PUBREL = 6,
            PUBCOMP = 7,
            SUBSCRIBE = 8,
            SUBACK = 9,
            UNSUBSCRIBE = 10,
            UNSUBACK = 11,
            PINGREQ = 12,
            PINGRESP = 13,
            DISCONNECT = 14,
            AUTH = 15;

    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private final int version;

    private RawClient(Socket socket, int version) throws IOException {
        this.socket = socket;
        this.version = version;
        this.in = new DataInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
        socket.setSoTimeout((int) TIMEOUT.toMillis());
        socket.setTcpNoDelay(true);
    }

    /** An open socket to the broker, nothing sent; replies are decoded as protocol {@code version} (3, 4 or 5). */
    public static RawClient open(TestBroker broker, int version) {
        try {
            return new RawClient(new Socket("127.0.0.1", broker.port()), version);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** An open socket to a broker on {@code port} of loopback (a broker process), nothing sent. */
    public static RawClient open(int port, int version) {
        try {
            return new RawClient(new Socket("127.0.0.1", port), version);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Opens, sends a clean-start CONNECT and checks the CONNACK accepts it. */
    public static RawClient connected(TestBroker broker, int version, String clientId) {
        return connected(broker, new Connect(version, clientId));
    }

    /** Opens, sends {@code connect} and checks the CONNACK accepts it. */
    public static RawClient connected(TestBroker broker, Connect connect) {
        RawClient c = open(broker, connect.version);
        c.send(connect.toBytes());
        c.expectConnack(0);
        return c;
    }

    public int version() {
        return version;
    }

    // ---- I/O -----------------------------------------------------------------------------

    public RawClient send(byte[] bytes) {
        try {
            out.write(bytes);
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    /** Reads one packet, failing after the timeout or on EOF. */
    public Packet read() {
        try {
            int first = in.readUnsignedByte();
            int length = 0;
            for (int shift = 0; ; shift += 7) {
                int b = in.readUnsignedByte();
                length |= (b & 0x7F) << shift;
                if ((b & 0x80) == 0) {
                    break;
                }
            }
            byte[] body = new byte[length];
            in.readFully(body);
            return new Packet(first >> 4, first & 0x0F, body, version);
        } catch (SocketTimeoutException e) {
            throw new AssertionError("no packet within " + TIMEOUT.toSeconds() + " s");
        } catch (EOFException e) {
            throw new AssertionError("connection closed while a packet was expected");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads the next packet and checks its type. */
    public Packet expect(int type) {
        Packet p = read();
        assertEquals(type, p.type(), () -> "expected packet type " + type + ", got " + p);
        return p;
    }

    public Packet expectConnack(int code) {
        Packet p = expect(CONNACK);
        assertEquals(code, p.reasonCode(), () -> "CONNACK code in " + p);
        return p;
    }

    /** A v5 DISCONNECT with {@code code}, then the socket closes. */
    public Packet expectDisconnect(int code) {
        Packet p = expect(DISCONNECT);
        assertEquals(code, p.reasonCode(), () -> "DISCONNECT reason code in " + p);
        assertClosed();
        return p;
    }

    /** A refused packet: v5 gets DISCONNECT {@code v5Code} then a close; 3.x a close without a word. */
    public void expectRefusal(int v5Code) {
        if (version == 5) {
            expectDisconnect(v5Code);
        } else {
            assertClosed();
        }
    }

    /** A refused CONNECT: v5 gets CONNACK {@code v5Code} then a close; 3.x a close without CONNACK. */
    public void expectConnectRefusal(int v5Code) {
        if (version == 5) {
            expectConnack(v5Code);
        }
        assertClosed();
    }

    /** The broker closes the socket (EOF or reset) within the timeout, sending nothing more. */
    public void assertClosed() {
        int b = nextByteOrEnd();
        if (b != -1) {
            fail("expected the connection to close, but the broker sent byte 0x" + Integer.toHexString(b));
        }
    }

    /** True when the broker closes the socket (EOF or reset) within the timeout, false when it sends a byte. */
    public boolean closedByBroker() {
        return nextByteOrEnd() == -1;
    }

    /** The next byte, or -1 at EOF or on a reset; fails when the timeout passes first. */
    private int nextByteOrEnd() {
        try {
            return in.read();
        } catch (SocketTimeoutException e) {
            throw new AssertionError("connection still open after " + TIMEOUT.toSeconds() + " s");
        } catch (SocketException e) {
            return -1; // connection reset: closed too
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Nothing arrives for {@code quiet} (a bounded blocking read, not a sleep). */
    public void assertNoPacket(Duration quiet) {
        try {
            socket.setSoTimeout((int) quiet.toMillis());
            int b = in.read();
            fail(b == -1 ? "connection closed" : "unexpected byte 0x" + Integer.toHexString(b));
        } catch (SocketTimeoutException expected) {
            // quiet, as wished
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            try {
                socket.setSoTimeout((int) TIMEOUT.toMillis());
            } catch (SocketException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** The input stream, for tests that wait for EOF with their own bound. */
    public InputStream input() {
        return in;
    }

    public void setReadTimeout(Duration timeout) {
        try {
            socket.setSoTimeout((int) timeout.toMillis());
        } catch (SocketException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Half-closes: the broker reads end of stream after what was sent; replies can still be read. */
    public void shutdownOutput() {
        try {
            socket.shutdownOutput();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The socket's output stream, for tests that write from another thread. */
    public OutputStream output() {
        return out;
    }

    /** Drops the connection with a TCP reset and no DISCONNECT, as when a client crashes. */
    public void abort() {
        try {
            socket.setSoLinger(true, 0);
        } catch (SocketException e) {
            throw new UncheckedIOException(e);
        }
        close();
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---- packet builders -----------------------------------------------------------------

    /** A clean-start CONNECT, keep alive 60 s: "MQIsdp" level 3, or "MQTT" level 4 or 5 (no properties). */
    public static byte[] connect(int version, String clientId) {
        return connect(version, clientId, 0x02, 60, new Bytes());
    }

    /** A CONNECT with the given flags byte, keep alive and (v5) properties; the payload is the client id only. */
    public static byte[] connect(int version, String clientId, int flags, int keepAlive, Bytes properties) {
        return connect(version, flags, keepAlive, properties, new Bytes().str(clientId));
    }

    /** A CONNECT with a hand-made payload (client id, will, user name, password as the flags say). */
    public static byte[] connect(int version, int flags, int keepAlive, Bytes properties, Bytes payload) {
        Bytes b = new Bytes()
                .str(version == 3 ? "MQIsdp" : "MQTT")
                .u8(version, flags)
                .u16(keepAlive);
        if (version == 5) {
            b.props(properties);
        }
        return b.raw(payload.toBytes()).packet(CONNECT << 4);
    }

    public static byte[] publish(int version, String topic, int qos, int packetId, byte[] payload) {
        return publish(version, qos << 1, topic, packetId, new Bytes(), payload);
    }

    /** A PUBLISH with the given fixed-header flags (DUP 8, QoS bits 6, RETAIN 1); the packet id only when QoS > 0. */
    public static byte[] publish(int version, int flags, String topic, int packetId, Bytes properties, byte[] payload) {
        Bytes b = new Bytes().str(topic);
        if ((flags & 0x06) != 0) {
            b.u16(packetId);
        }
        if (version == 5) {
            b.props(properties);
        }
        return b.raw(payload).packet(PUBLISH << 4 | flags);
    }

    public static byte[] subscribe(int version, int packetId, String filter, int options) {
        return subscribe(version, packetId, List.of(filter), List.of(options));
    }

    /** A SUBSCRIBE of several filters, each with its options byte, exactly as given (no validation). */
    public static byte[] subscribe(int version, int packetId, List<String> filters, List<Integer> options) {
        Bytes b = new Bytes().u16(packetId);
        if (version == 5) {
            b.props(new Bytes());
        }
        for (int i = 0; i < filters.size(); i++) {
            b.str(filters.get(i)).u8(options.get(i));
        }
        return b.packet(SUBSCRIBE << 4 | 0x02);
    }

    /** PUBACK, PUBREC, PUBREL or PUBCOMP with the flags the spec requires (PUBREL: 0x2). */
    public static byte[] ack(int type, int packetId) {
        return new Bytes().u16(packetId).packet(type << 4 | (type == PUBREL ? 0x02 : 0));
    }

    public static byte[] disconnect() {
        return new byte[] {(byte) (DISCONNECT << 4), 0};
    }

    /** A v5 DISCONNECT with a reason code and properties (3.x has neither: use {@link #disconnect()}). */
    public static byte[] disconnect(int reasonCode, Bytes properties) {
        return new Bytes().u8(reasonCode).props(properties).packet(DISCONNECT << 4);
    }

    public static byte[] pingreq() {
        return new byte[] {(byte) (PINGREQ << 4), 0};
    }

    /**
     * A well-formed CONNECT with options: clean start and keep alive 60 s unless told otherwise,
     * a v5 Session Expiry Interval, a will with (v5) will properties. For ill-formed ones build the
     * flags and payload by hand with {@link #connect(int, int, int, Bytes, Bytes)}.
     */
    public static final class Connect {
        private final int version;
        private final String clientId;
        private boolean cleanStart = true;
        private int keepAlive = 60;
        private Integer sessionExpiry;
        private String willTopic;
        private byte[] willPayload;
        private int willFlags;
        private Bytes willProperties = new Bytes();

        /** A CONNECT for protocol {@code version} (3, 4 or 5). */
        public Connect(int version, String clientId) {
            this.version = version;
            this.clientId = clientId;
        }

        public Connect cleanStart(boolean clean) {
            this.cleanStart = clean;
            return this;
        }

        /** Keep alive in seconds; 0 turns it off. */
        public Connect keepAlive(int seconds) {
            this.keepAlive = seconds;
            return this;
        }

        /** v5 Session Expiry Interval in seconds (absent, hence 0, unless set). */
        public Connect sessionExpiry(int seconds) {
            this.sessionExpiry = seconds;
            return this;
        }

        public Connect will(String topic, byte[] payload, int qos, boolean retain) {
            this.willTopic = topic;
            this.willPayload = payload;
            this.willFlags = 0x04 | qos << 3 | (retain ? 0x20 : 0);
            return this;
        }

        /** v5 will properties (Will Delay Interval 0x18, Content Type 0x03, User Property 0x26 ...). */
        public Connect willProperties(Bytes properties) {
            this.willProperties = properties;
            return this;
        }

        public byte[] toBytes() {
            Bytes properties = new Bytes();
            if (sessionExpiry != null) {
                properties.u8(0x11).u32(sessionExpiry);
            }
            Bytes payload = new Bytes().str(clientId);
            if (willTopic != null) {
                if (version == 5) {
                    payload.props(willProperties);
                }
                payload.str(willTopic).bin(willPayload);
            }
            return connect(version, (cleanStart ? 0x02 : 0) | willFlags, keepAlive, properties, payload);
        }
    }

    /** Bytes in the MQTT data types; {@link #packet} prepends a fixed header. */
    public static final class Bytes {
        private final ByteArrayOutputStream buf = new ByteArrayOutputStream();

        public Bytes u8(int... values) {
            for (int v : values) {
                buf.write(v);
            }
            return this;
        }

        public Bytes u16(int v) {
            return u8(v >> 8 & 0xFF, v & 0xFF);
        }

        public Bytes u32(int v) {
            return u16(v >>> 16).u16(v & 0xFFFF);
        }

        public Bytes vbi(int v) {
            do {
                int digit = v & 0x7F;
                v >>>= 7;
                buf.write(v > 0 ? digit | 0x80 : digit);
            } while (v > 0);
            return this;
        }

        /** A UTF-8 string with its two-byte length. */
        public Bytes str(String s) {
            return bin(s.getBytes(StandardCharsets.UTF_8));
        }

        /** Arbitrary bytes with a two-byte length: also how ill-formed "strings" are made. */
        public Bytes bin(byte[] b) {
            return u16(b.length).raw(b);
        }

        public Bytes raw(byte[] b) {
            buf.writeBytes(b);
            return this;
        }

        /** A property block: its length, then the properties. */
        public Bytes props(Bytes properties) {
            byte[] p = properties.toBytes();
            return vbi(p.length).raw(p);
        }

        public int size() {
            return buf.size();
        }

        public byte[] toBytes() {
            return buf.toByteArray();
        }

        /** A whole packet: {@code firstByte}, the remaining length, these bytes. */
        public byte[] packet(int firstByte) {
            return new Bytes().u8(firstByte).vbi(buf.size()).raw(toBytes()).toBytes();
        }
    }

    // ---- what the broker sent ------------------------------------------------------------

    /** One packet from the broker, decoded on demand according to the client's protocol version. */
    public record Packet(int type, int flags, byte[] body, int version) {

        public int qos() {
            return flags >> 1 & 3;
        }

        public boolean dup() {
            return (flags & 8) != 0;
        }

        public boolean retain() {
            return (flags & 1) != 0;
        }

        public int packetId() {
            int at = type == PUBLISH ? 2 + u16(0) : 0;
            return u16(at);
        }

        /** CONNACK return/reason code, or the v5 reason code of DISCONNECT and the PUB* acks (0 when omitted). */
        public int reasonCode() {
            return switch (type) {
                case CONNACK -> body[1] & 0xFF;
                case DISCONNECT, AUTH -> body.length > 0 ? body[0] & 0xFF : 0;
                case PUBACK, PUBREC, PUBREL, PUBCOMP -> body.length > 2 ? body[2] & 0xFF : 0;
                default -> throw new IllegalStateException("no single reason code in " + this);
            };
        }

        public boolean sessionPresent() {
            return (body[0] & 1) != 0;
        }

        public String topic() {
            return new String(body, 2, u16(0), StandardCharsets.UTF_8);
        }

        public byte[] payload() {
            int at = payloadStart();
            byte[] p = new byte[body.length - at];
            System.arraycopy(body, at, p, 0, p.length);
            return p;
        }

        public String payloadText() {
            return new String(payload(), StandardCharsets.UTF_8);
        }

        /** SUBACK/UNSUBACK codes, one per filter. */
        public List<Integer> codes() {
            int at = 2;
            if (version == 5) {
                at = skipProperties(at);
            }
            List<Integer> codes = new ArrayList<>();
            for (int i = at; i < body.length; i++) {
                codes.add(body[i] & 0xFF);
            }
            return codes;
        }

        /** v5 properties by identifier (the last value wins; user properties are "key=value"). */
        public Map<Integer, Object> properties() {
            int at = propertiesStart();
            Map<Integer, Object> props = new LinkedHashMap<>();
            if (at < 0 || at >= body.length) {
                return props;
            }
            int[] pos = {at};
            int length = vbi(pos);
            int end = pos[0] + length;
            while (pos[0] < end) {
                int id = vbi(pos);
                Object value = switch (id) {
                    case 0x01, 0x17, 0x19, 0x24, 0x25, 0x28, 0x29, 0x2A -> body[pos[0]++] & 0xFF;
                    case 0x13, 0x21, 0x22, 0x23 -> {
                        int v = u16(pos[0]);
                        pos[0] += 2;
                        yield v;
                    }
                    case 0x02, 0x11, 0x18, 0x27 -> {
                        long v = (long) u16(pos[0]) << 16 | u16(pos[0] + 2);
                        pos[0] += 4;
                        yield v;
                    }
                    case 0x0B -> vbi(pos);
                    case 0x03, 0x08, 0x12, 0x15, 0x1A, 0x1C, 0x1F -> string(pos);
                    case 0x09, 0x16 -> {
                        int n = u16(pos[0]);
                        pos[0] += 2 + n;
                        yield n;
                    }
                    case 0x26 -> string(pos) + "=" + string(pos);
                    default ->
                        throw new AssertionError("unknown property 0x" + Integer.toHexString(id) + " in " + this);
                };
                props.put(id, value);
            }
            return props;
        }

        private int propertiesStart() {
            if (version != 5) {
                return -1;
            }
            return switch (type) {
                case CONNACK -> 2;
                case DISCONNECT, AUTH -> 1;
                case PUBACK, PUBREC, PUBREL, PUBCOMP -> 3;
                case SUBACK, UNSUBACK -> 2;
                case PUBLISH -> 2 + u16(0) + (qos() > 0 ? 2 : 0);
                default -> -1;
            };
        }

        private int payloadStart() {
            int at = 2 + u16(0) + (qos() > 0 ? 2 : 0);
            return version == 5 ? skipProperties(at) : at;
        }

        private int skipProperties(int at) {
            int[] pos = {at};
            int length = vbi(pos);
            return pos[0] + length;
        }

        private int u16(int at) {
            return (body[at] & 0xFF) << 8 | body[at + 1] & 0xFF;
        }

        private int vbi(int[] pos) {
            int value = 0;
            for (int shift = 0; ; shift += 7) {
                int b = body[pos[0]++] & 0xFF;
                value |= (b & 0x7F) << shift;
                if ((b & 0x80) == 0) {
                    return value;
                }
            }
        }

        private String string(int[] pos) {
            int n = u16(pos[0]);
            String s = new String(body, pos[0] + 2, n, StandardCharsets.UTF_8);
            pos[0] += 2 + n;
            return s;
        }

        @Override
        public String toString() {
            return "Packet[type " + type + ", flags 0x" + Integer.toHexString(flags) + ", body "
                    + HexFormat.of().formatHex(body) + "]";
        }
    }
}
