package io.hookline.broker.transport;

import io.hookline.broker.testsupport.RawClient;
import io.hookline.broker.testsupport.RawClient.Bytes;
import java.nio.charset.StandardCharsets;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/**
 * Generators of MQTT packets for {@link WireFuzzTest}, built with the raw client's byte
 * builders: harmless valid packets, malformed ones with the MQTT 5 reason code the
 * specification names for each, any packet a client could send, and byte-level mutations.
 */
final class FuzzPackets {
    private FuzzPackets() {}

    static final int CONNACK = 2, DISCONNECT = 14;
    /** The broker's max_message_size and topic_max_depth in the fuzz run. */
    static final int MAX_MESSAGE_SIZE = 4096, MAX_DEPTH = 8;

    static final int MALFORMED = 0x81, PROTOCOL_ERROR = 0x82, TOPIC_NAME_INVALID = 0x90, PACKET_TOO_LARGE = 0x95;

    /** A malformed packet (or packets) and the reason an MQTT 5 client must be given. */
    record Bad(String what, byte[] bytes, int v5Reason) {
        @Override
        public String toString() {
            return what + " (0x" + Integer.toHexString(v5Reason) + ")";
        }
    }

    private static final List<String> TOPICS = List.of("f/a", "f/b", "f/c/d", "g");
    private static final List<String> FILTERS = List.of("f/#", "f/+", "f/a", "#", "+/+", "$share/g/f/b");

    /** A clean-start CONNECT, keep alive 0 (no timer runs in the fuzz). */
    static byte[] connect(int version, String clientId) {
        return RawClient.connect(version, clientId, 0x02, 0, new Bytes());
    }

    private static Arbitrary<Integer> packetIds() {
        return Arbitraries.integers().between(1, 65535);
    }

    private static Arbitrary<byte[]> payloads() {
        return Arbitraries.bytes().array(byte[].class).ofMaxSize(48);
    }

    private static Bytes props(int version, Bytes b, Bytes properties) {
        return version == 5 ? b.props(properties) : b;
    }

    /** v5 PUBLISH properties a client may send once each; empty for 3.x. */
    private static Arbitrary<Bytes> publishProperties() {
        return Arbitraries.of(0, 1, 2, 3, 4).map(k -> switch (k) {
            case 1 -> new Bytes().u8(0x01, 1);
            case 2 -> new Bytes().u8(0x02).u32(60);
            case 3 -> new Bytes().u8(0x26).str("k").str("v").u8(0x26).str("k").str("w");
            case 4 -> new Bytes().u8(0x03).str("text/plain").u8(0x08).str("f/reply");
            default -> new Bytes();
        });
    }

    // ---- valid packets that keep the connection open ---------------------------------------

    /** PUBLISH, SUBSCRIBE, UNSUBSCRIBE and PINGREQ that a connected client may send in any order. */
    static Arbitrary<byte[]> harmless(int version) {
        Arbitrary<byte[]> publish = Combinators.combine(
                        Arbitraries.of(TOPICS),
                        Arbitraries.integers().between(0, 2),
                        Arbitraries.of(false, true),
                        packetIds(),
                        payloads(),
                        publishProperties())
                .as((topic, qos, retain, id, payload, properties) -> RawClient.publish(
                        version,
                        qos << 1 | (retain ? 1 : 0),
                        topic,
                        id,
                        version == 5 ? properties : new Bytes(),
                        // a UTF-8 payload: Payload Format Indicator 1 would make other bytes 0x99, not harmless
                        java.util.Base64.getEncoder().encode(payload)));
        Arbitrary<byte[]> subscribe = Combinators.combine(
                        packetIds(),
                        Arbitraries.of(FILTERS).list().ofMinSize(1).ofMaxSize(3),
                        Arbitraries.integers().between(0, 2))
                .as((id, filters, qos) -> RawClient.subscribe(
                        version, id, filters, filters.stream().map(f -> qos).toList()));
        Arbitrary<byte[]> unsubscribe = Combinators.combine(packetIds(), Arbitraries.of(FILTERS))
                .as((id, filter) -> props(version, new Bytes().u16(id), new Bytes())
                        .str(filter)
                        .packet(0xA2));
        return Arbitraries.oneOf(publish, subscribe, unsubscribe, Arbitraries.just(RawClient.pingreq()));
    }

    // ---- malformed packets, with their reason ----------------------------------------------

    /** One malformed packet a connected client of {@code version} might send, with the reason it must get. */
    static Arbitrary<Bad> malformed(int version) {
        List<Arbitrary<Bad>> all = new java.util.ArrayList<>(List.of(
                Arbitraries.just(new Bad("five-byte remaining length", hex("30ffffffff7f"), MALFORMED)),
                Arbitraries.integers()
                        .between(MAX_MESSAGE_SIZE + 1, 268_435_455)
                        .map(n -> new Bad(
                                "remaining length " + n + " above max_message_size",
                                new Bytes().u8(0x30).vbi(n).u8(0, 1, 'a').toBytes(),
                                PACKET_TOO_LARGE)),
                Arbitraries.of("612fff", "612fc0af", "612feda080", "612f00", "612fc328")
                        .map(t -> new Bad(
                                "ill-formed UTF-8 topic " + t,
                                props(version, new Bytes().bin(hex(t)), new Bytes())
                                        .raw(b("x"))
                                        .packet(0x30),
                                MALFORMED)),
                Arbitraries.of("f/+", "f/#", "#", "+")
                        .map(t ->
                                new Bad("wildcard topic " + t, RawClient.publish(version, t, 0, 0, b("x")), MALFORMED)),
                Arbitraries.of(
                                "6002 0001",
                                "6a02 0001",
                                "4202 0001",
                                "c100",
                                "c800",
                                "e200",
                                "8006 0001 0001 61 00",
                                "a005 0001 0001 61")
                        .map(p -> new Bad("reserved fixed-header flags " + p, hex(p.replace(" ", "")), MALFORMED)),
                Arbitraries.of(version == 5 ? List.of(0x40, 0x80, 0xC1) : List.of(0x03, 0x04, 0x30, 0x80))
                        .map(o -> new Bad(
                                "subscription options 0x" + Integer.toHexString(o),
                                RawClient.subscribe(version, 1, "f/a", o),
                                MALFORMED)),
                Arbitraries.just(
                        new Bad("QoS 3", RawClient.publish(version, 0x06, "f/a", 1, new Bytes(), b("x")), MALFORMED)),
                Arbitraries.just(new Bad(
                        "DUP on QoS 0", RawClient.publish(version, 0x08, "f/a", 0, new Bytes(), b("x")), MALFORMED)),
                Arbitraries.just(new Bad("packet id 0", RawClient.publish(version, "f/a", 1, 0, b("x")), MALFORMED)),
                Arbitraries.integers()
                        .between(3, 200)
                        .map(n -> new Bad(
                                "topic length " + n + " beyond the packet",
                                concat(new Bytes().u8(0x30, 3, 0, n, 'a').toBytes(), RawClient.pingreq()),
                                MALFORMED)),
                Arbitraries.just(new Bad(
                        "SUBSCRIBE without filters",
                        props(version, new Bytes().u16(3), new Bytes()).packet(0x82),
                        PROTOCOL_ERROR)),
                Arbitraries.just(new Bad("second CONNECT", connect(version, "again"), PROTOCOL_ERROR)),
                Arbitraries.integers()
                        .between(MAX_DEPTH + 1, 300)
                        .map(n -> new Bad(
                                n + "-level topic",
                                RawClient.publish(version, "a" + "/a".repeat(n - 1), 0, 0, b("x")),
                                TOPIC_NAME_INVALID))));
        if (version == 5) {
            all.add(Arbitraries.of(0x01, 0x02, 0x03, 0x08, 0x09, 0x23)
                    .map(id -> new Bad(
                            "property 0x" + Integer.toHexString(id) + " twice",
                            RawClient.publish(
                                    5,
                                    0x02,
                                    "f/a",
                                    1,
                                    property(id).raw(property(id).toBytes()),
                                    b("x")),
                            PROTOCOL_ERROR)));
            all.add(Arbitraries.of(0x11, 0x21, 0x17, 0x15, 0x27, 0x12)
                    .map(id -> new Bad(
                            "property 0x" + Integer.toHexString(id) + " in a PUBLISH",
                            RawClient.publish(5, 0x02, "f/a", 1, property(id), b("x")),
                            MALFORMED)));
            all.add(Arbitraries.integers()
                    .between(2, 255)
                    .map(v -> new Bad(
                            "payload format indicator " + v,
                            RawClient.publish(5, 0x02, "f/a", 1, new Bytes().u8(0x01, v), b("x")),
                            PROTOCOL_ERROR)));
            all.add(Arbitraries.just(new Bad(
                    "two subscription identifiers",
                    new Bytes()
                            .u16(1)
                            .props(new Bytes().u8(0x0B, 1, 0x0B, 2))
                            .str("f/a")
                            .u8(1)
                            .packet(0x82),
                    PROTOCOL_ERROR)));
            all.add(Arbitraries.just(new Bad(
                    "AUTH without a method",
                    new Bytes().u8(0x18).props(new Bytes()).packet(0xF0),
                    PROTOCOL_ERROR)));
        }
        return Arbitraries.oneOf(all);
    }

    /** One v5 property of identifier {@code id} with a valid value. */
    private static Bytes property(int id) {
        Bytes b = new Bytes().u8(id);
        return switch (id) {
            case 0x01, 0x17 -> b.u8(1);
            case 0x21, 0x23 -> b.u16(1);
            case 0x02, 0x11, 0x27 -> b.u32(10);
            case 0x09 -> b.bin(b("cd"));
            default -> b.str("s"); // 0x03, 0x08, 0x12, 0x15
        };
    }

    // ---- anything a client could send, and mutations ---------------------------------------

    /** A CONNECT: mostly valid (clean or not, v5 properties, a will, user name), sometimes not. */
    static Arbitrary<byte[]> connectVariants(int version) {
        Arbitrary<byte[]> valid = Combinators.combine(
                        Arbitraries.of(0x02, 0x00, 0x06, 0x2E, 0xC2, 0x82),
                        Arbitraries.of(
                                new Bytes(),
                                new Bytes().u8(0x11).u32(30),
                                new Bytes().u8(0x21).u16(2),
                                new Bytes().u8(0x27).u32(64),
                                new Bytes().u8(0x15).str("m")),
                        Arbitraries.strings().alpha().ofMaxLength(10))
                .as((flags, properties, id) -> {
                    Bytes payload = new Bytes().str(id);
                    if ((flags & 0x04) != 0) {
                        props(version, payload, new Bytes()).str("f/will").bin(b("bye"));
                    }
                    if ((flags & 0x80) != 0) {
                        payload.str("user");
                    }
                    if ((flags & 0x40) != 0) {
                        payload.bin(b("secret"));
                    }
                    return RawClient.connect(version, flags, 0, version == 5 ? properties : new Bytes(), payload);
                });
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(9, valid),
                net.jqwik.api.Tuple.of(1, malformed(version).map(Bad::bytes)));
    }

    /** Any packet: harmless, malformed, acknowledgements of any kind and id, DISCONNECT, AUTH. */
    static Arbitrary<byte[]> any(int version) {
        Arbitrary<byte[]> acks = Combinators.combine(
                        Arbitraries.of(4, 5, 6, 7), Arbitraries.integers().between(1, 4))
                .as(RawClient::ack);
        Arbitrary<byte[]> disconnect = version == 5
                ? Arbitraries.of(0x00, 0x04, 0x80, 0x81).map(r -> RawClient.disconnect(r, new Bytes()))
                : Arbitraries.just(RawClient.disconnect());
        Arbitrary<byte[]> auth = Arbitraries.of(0x18, 0x19)
                .map(r -> new Bytes().u8(r).props(new Bytes().u8(0x15).str("m")).packet(0xF0));
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(10, harmless(version)),
                net.jqwik.api.Tuple.of(3, acks),
                net.jqwik.api.Tuple.of(2, malformed(version).map(Bad::bytes)),
                net.jqwik.api.Tuple.of(1, disconnect),
                net.jqwik.api.Tuple.of(1, auth));
    }

    /** A change to an input's bytes. */
    interface Mutation {
        byte[] apply(byte[] input);
    }

    static Arbitrary<Mutation> mutations() {
        Arbitrary<Double> where = Arbitraries.doubles().between(0, 1);
        Arbitrary<Mutation> flip = Combinators.combine(
                        where, Arbitraries.integers().between(1, 255))
                .as((at, mask) -> input -> {
                    if (input.length == 0) {
                        return input;
                    }
                    byte[] out = input.clone();
                    int i = (int) (at * (out.length - 1));
                    out[i] ^= (byte) (int) mask;
                    return out;
                });
        Arbitrary<Mutation> cut = Combinators.combine(
                        where, Arbitraries.integers().between(1, 16))
                .as((at, n) -> input -> {
                    int i = (int) (at * input.length);
                    int end = Math.min(input.length, i + n);
                    return concat(
                            java.util.Arrays.copyOfRange(input, 0, i),
                            java.util.Arrays.copyOfRange(input, end, input.length));
                });
        Arbitrary<Mutation> insert = Combinators.combine(
                        where,
                        Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(8))
                .as((at, bytes) -> input -> {
                    int i = (int) (at * input.length);
                    return concat(
                            concat(java.util.Arrays.copyOfRange(input, 0, i), bytes),
                            java.util.Arrays.copyOfRange(input, i, input.length));
                });
        Arbitrary<Mutation> truncate =
                where.map(at -> input -> java.util.Arrays.copyOf(input, (int) (at * input.length)));
        return Arbitraries.oneOf(flip, cut, insert, truncate);
    }

    // ---- bytes -----------------------------------------------------------------------------

    static byte[] hex(String hex) {
        return java.util.HexFormat.of().parseHex(hex);
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
