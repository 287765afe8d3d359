package io.hookline.broker.protocol;

import static io.hookline.broker.testsupport.Clients.bytes;
import static io.hookline.broker.testsupport.RawClient.connect;
import static io.hookline.broker.testsupport.RawClient.publish;

import io.hookline.broker.metrics.BrokerMetrics.Counter;
import io.hookline.broker.testsupport.RawClient.Bytes;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 15 item 3: MQTT 5 properties that may appear at most once (5.0 §3.x.2.x: "It is a
 * Protocol Error to include ... more than once") and a Payload Format Indicator other than 0
 * or 1 are protocol errors: CONNACK 0x82 in a CONNECT, DISCONNECT 0x82 after it. Netty keeps
 * only the last of a repeated property, so the transport checks the raw property block.
 */
class RepeatedPropertiesTest extends WireTestBase {

    private static final int PROTOCOL_ERROR = 0x82;

    static Stream<Arguments> repeatedConnectProperties() {
        return Stream.of(
                Arguments.of(
                        "Session Expiry Interval",
                        new Bytes().u8(0x11).u32(10).u8(0x11).u32(20)),
                Arguments.of(
                        "Receive Maximum", new Bytes().u8(0x21).u16(10).u8(0x21).u16(20)),
                Arguments.of("Request Problem Information", new Bytes().u8(0x17, 1, 0x17, 0)),
                Arguments.of(
                        "Maximum Packet Size",
                        new Bytes().u8(0x27).u32(1000).u8(0x27).u32(2000)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("repeatedConnectProperties")
    void repeatedConnectPropertyGetsConnack0x82(String name, Bytes props) {
        assertConnectRefused(5, connect(5, "twice", 0x02, 60, props), PROTOCOL_ERROR, Counter.PROTOCOL_ERRORS);
    }

    @Test
    void repeatedWillPropertyGetsConnack0x82() {
        Bytes payload = new Bytes()
                .str("will-twice")
                .props(new Bytes().u8(0x01, 1, 0x01, 1))
                .str("will/topic")
                .bin(bytes("bye"));
        assertConnectRefused(5, connect(5, 0x06, 60, new Bytes(), payload), PROTOCOL_ERROR, Counter.PROTOCOL_ERRORS);
    }

    @Test
    void userPropertiesMayRepeat() {
        Bytes props = new Bytes().u8(0x26).str("k").str("1").u8(0x26).str("k").str("2");
        try (var c = io.hookline.broker.testsupport.RawClient.open(broker, 5)) {
            c.send(connect(5, "users", 0x02, 60, props));
            c.expectConnack(0);
        }
    }

    static Stream<Arguments> badPublishProperties() {
        return Stream.of(
                Arguments.of("Payload Format Indicator twice", new Bytes().u8(0x01, 0, 0x01, 0)),
                Arguments.of(
                        "Message Expiry Interval twice",
                        new Bytes().u8(0x02).u32(5).u8(0x02).u32(6)),
                Arguments.of("Payload Format Indicator 2", new Bytes().u8(0x01, 2)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badPublishProperties")
    void badPublishPropertyGetsDisconnect0x82(String name, Bytes props) {
        assertRefused(5, publish(5, 0x02, "a/b", 1, props, bytes("x")), PROTOCOL_ERROR, Counter.PROTOCOL_ERRORS);
    }

    @Test
    void secondSubscriptionIdentifierInASubscribeGetsDisconnect0x82() {
        byte[] subscribe = new Bytes()
                .u16(1)
                .props(new Bytes().u8(0x0B, 0x05, 0x0B, 0x06))
                .str("a/b")
                .u8(1)
                .packet(0x82);
        assertRefused(5, subscribe, PROTOCOL_ERROR, Counter.PROTOCOL_ERRORS);
    }

    @Test
    void repeatedReasonStringInAPubackGetsDisconnect0x82() {
        byte[] puback = new Bytes()
                .u16(1)
                .u8(0)
                .props(new Bytes().u8(0x1F).str("a").u8(0x1F).str("b"))
                .packet(0x40);
        assertRefused(5, puback, PROTOCOL_ERROR, Counter.PROTOCOL_ERRORS);
    }
}
