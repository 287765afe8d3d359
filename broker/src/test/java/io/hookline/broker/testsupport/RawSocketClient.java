package io.hookline.broker.testsupport;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Hand-built MQTT packets over a plain socket, for what client libraries will not do: drop the
 * TCP connection without a DISCONNECT (to trigger a will deterministically) or send a topic
 * filter they would refuse to build. Blocking, one thread; reads time out after 5 s.
 */
public final class RawSocketClient implements AutoCloseable {

    /** A packet as read: the fixed header's type (1..15) and flags, and the rest of the packet. */
    public record Packet(int type, int flags, byte[] body) {
    }

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;

    private RawSocketClient(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    /** Opens a socket to the broker, sends {@code connect} and checks the CONNACK says success. */
    public static RawSocketClient connect(TestBroker broker, Connect connect) throws IOException {
        Socket socket = new Socket();
        socket.setSoTimeout(5000);
        socket.connect(new InetSocketAddress("127.0.0.1", broker.port()), 5000);
        RawSocketClient client = new RawSocketClient(socket);
        client.send(connect.encode());
        Packet connack = client.read();
        // CONNACK: flags byte, then the return/reason code
        if (connack.type() != 2 || connack.body().length < 2 || connack.body()[1] != 0) {
            client.close();
            throw new IOException("CONNECT not accepted: type " + connack.type() + ", code "
                    + (connack.body().length > 1 ? connack.body()[1] & 0xFF : -1));
        }
        return client;
    }

    public void send(byte[] packet) throws IOException {
        out.write(packet);
        out.flush();
    }

    public Packet read() throws IOException {
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
        return new Packet(first >> 4, first & 0x0F, body);
    }

    /** True when the broker closed the connection (read returns end of stream or a reset), within 5 s. */
    public boolean closedByBroker() throws IOException {
        try {
            return in.read() == -1;
        } catch (java.net.SocketException e) {
            return true;
        }
    }

    /** Drops the connection with a TCP reset: no DISCONNECT, as when a client crashes. */
    public void abort() throws IOException {
        socket.setSoLinger(true, 0);
        socket.close();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    // ---- packets -------------------------------------------------------------------------

    /** A CONNECT for MQTT 3.1.1 ({@code version} 4) or 5, with an optional will. */
    public static final class Connect {
        private final int version;
        private final String clientId;
        private boolean cleanStart = true;
        private int keepAlive;
        private Long sessionExpiry;
        private String willTopic;
        private byte[] willPayload;
        private int willQos;
        private boolean willRetain;
        private final Properties willProperties = new Properties();

        public Connect(int version, String clientId) {
            this.version = version;
            this.clientId = clientId;
        }

        public Connect cleanStart(boolean clean) {
            this.cleanStart = clean;
            return this;
        }

        /** Keep alive in seconds; 0 (the default) turns it off. */
        public Connect keepAlive(int seconds) {
            this.keepAlive = seconds;
            return this;
        }

        /** v5 Session Expiry Interval, in seconds. */
        public Connect sessionExpiry(long seconds) {
            this.sessionExpiry = seconds;
            return this;
        }

        public Connect will(String topic, String payload, int qos, boolean retain) {
            this.willTopic = topic;
            this.willPayload = payload.getBytes(StandardCharsets.UTF_8);
            this.willQos = qos;
            this.willRetain = retain;
            return this;
        }

        /** v5 will properties (Will Delay Interval, Content Type, User Property ...). */
        public Properties willProperties() {
            return willProperties;
        }

        public byte[] encode() {
            Bytes vh = new Bytes();
            vh.string("MQTT");
            vh.u8(version);
            int flags = (cleanStart ? 0x02 : 0)
                    | (willTopic != null ? 0x04 | willQos << 3 | (willRetain ? 0x20 : 0) : 0);
            vh.u8(flags);
            vh.u16(keepAlive);
            if (version == 5) {
                Properties p = new Properties();
                if (sessionExpiry != null) {
                    p.u32(0x11, sessionExpiry);
                }
                vh.raw(p.encode());
            }
            Bytes payload = new Bytes();
            payload.string(clientId);
            if (willTopic != null) {
                if (version == 5) {
                    payload.raw(willProperties.encode());
                }
                payload.string(willTopic);
                payload.u16(willPayload.length);
                payload.raw(willPayload);
            }
            return packet(0x10, vh.concat(payload));
        }
    }

    /** A SUBSCRIBE of several filters, each with its QoS, exactly as given (no validation). */
    public static byte[] subscribe(int version, int packetId, List<String> filters, List<Integer> qos) {
        Bytes b = new Bytes();
        b.u16(packetId);
        if (version == 5) {
            b.vbi(0);
        }
        for (int i = 0; i < filters.size(); i++) {
            b.string(filters.get(i));
            b.u8(qos.get(i));
        }
        return packet(0x82, b);
    }

    /** A PUBLISH without properties; {@code packetId} is ignored for QoS 0. */
    public static byte[] publish(int version, String topic, int qos, boolean dup, int packetId, String payload) {
        Bytes b = new Bytes();
        b.string(topic);
        if (qos > 0) {
            b.u16(packetId);
        }
        if (version == 5) {
            b.vbi(0);
        }
        b.raw(payload.getBytes(StandardCharsets.UTF_8));
        return packet(0x30 | (dup ? 0x08 : 0) | qos << 1, b);
    }

    /** PUBACK (4), PUBREC (5), PUBREL (6) or PUBCOMP (7) with success. */
    public static byte[] ack(int type, int packetId) {
        Bytes b = new Bytes();
        b.u16(packetId);
        return packet(type << 4 | (type == 6 ? 0x02 : 0), b);
    }

    /** The packet id of a QoS 1/2 PUBLISH or of an acknowledgement read from the broker. */
    public static int packetId(Packet packet) {
        byte[] body = packet.body();
        int pos = packet.type() == 3 ? 2 + ((body[0] & 0xFF) << 8 | body[1] & 0xFF) : 0;
        return (body[pos] & 0xFF) << 8 | body[pos + 1] & 0xFF;
    }

    /** A DISCONNECT: for v5 with a reason code and properties, for 3.1.1 just the fixed header. */
    public static byte[] disconnect(int version, int reasonCode, Properties properties) {
        Bytes b = new Bytes();
        if (version == 5) {
            b.u8(reasonCode);
            b.raw((properties == null ? new Properties() : properties).encode());
        }
        return packet(0xE0, b);
    }

    /** The per-filter codes of a SUBACK read for {@code version}. */
    public static List<Integer> subackCodes(int version, Packet suback) {
        byte[] body = suback.body();
        int pos = 2;  // packet id
        if (version == 5) {
            int[] len = readVbi(body, pos);
            pos = len[1] + len[0];
        }
        List<Integer> codes = new ArrayList<>();
        for (; pos < body.length; pos++) {
            codes.add(body[pos] & 0xFF);
        }
        return codes;
    }

    private static int[] readVbi(byte[] data, int pos) {
        int value = 0;
        for (int shift = 0; ; shift += 7) {
            int b = data[pos++] & 0xFF;
            value |= (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return new int[]{value, pos};
            }
        }
    }

    private static byte[] packet(int firstByte, Bytes body) {
        Bytes p = new Bytes();
        p.u8(firstByte);
        p.vbi(body.size());
        p.raw(body.toByteArray());
        return p.toByteArray();
    }

    /** MQTT 5 properties in the order added. */
    public static final class Properties {
        private final Bytes bytes = new Bytes();

        public Properties u32(int id, long value) {
            bytes.u8(id);
            bytes.u32(value);
            return this;
        }

        public Properties string(int id, String value) {
            bytes.u8(id);
            bytes.string(value);
            return this;
        }

        public Properties userProperty(String key, String value) {
            bytes.u8(0x26);
            bytes.string(key);
            bytes.string(value);
            return this;
        }

        byte[] encode() {
            Bytes b = new Bytes();
            b.vbi(bytes.size());
            b.raw(bytes.toByteArray());
            return b.toByteArray();
        }
    }

    private static final class Bytes extends ByteArrayOutputStream {
        void u8(int v) {
            write(v);
        }

        void u16(int v) {
            write(v >> 8);
            write(v);
        }

        void u32(long v) {
            write((int) (v >> 24));
            write((int) (v >> 16));
            write((int) (v >> 8));
            write((int) v);
        }

        void string(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            u16(b.length);
            raw(b);
        }

        void raw(byte[] b) {
            write(b, 0, b.length);
        }

        void vbi(int v) {
            do {
                int digit = v & 0x7F;
                v >>>= 7;
                write(v > 0 ? digit | 0x80 : digit);
            } while (v > 0);
        }

        Bytes concat(Bytes other) {
            raw(other.toByteArray());
            return this;
        }
    }
}
