package io.hookline.broker.protocol;

import static io.hookline.broker.testsupport.Clients.bytes;
import static io.hookline.broker.testsupport.RawClient.PUBACK;
import static io.hookline.broker.testsupport.RawClient.connect;
import static io.hookline.broker.testsupport.RawClient.publish;
import static io.hookline.broker.testsupport.RawClient.subscribe;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.hookline.broker.metrics.BrokerMetrics.Counter;
import io.hookline.broker.testsupport.RawClient;
import io.hookline.broker.testsupport.RawClient.Bytes;
import io.hookline.broker.testsupport.RawClient.Packet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * MQTT 5 rules on properties and on what may be asked with them, crafted byte by byte: a
 * property outside its packet, ill-formed UTF-8 inside one, values the spec forbids. Each gets
 * the reason code the spec asks for, is counted, and leaves a bystander client unaffected.
 */
class BadPropertiesTest extends WireTestBase {

    private static final int MALFORMED = 0x81, PROTOCOL_ERROR = 0x82;

    // ---- properties outside their packet, ill-formed properties ----------------------------

    /** 5.0 §2.2.2.2: an identifier that is not a valid property makes the packet malformed. */
    @Test
    void unknownPropertyInAPublishIsMalformed() {
        assertRefused(
                5,
                publish(5, 0x02, "a/b", 1, new Bytes().u8(0x30, 0x00), bytes("x")),
                MALFORMED,
                Counter.MALFORMED_PACKETS);
    }

    @Test
    void unknownPropertyInConnectGetsConnackMalformed() {
        assertConnectRefused(
                5, connect(5, "props", 0x02, 60, new Bytes().u8(0x7f, 0x01)), MALFORMED, Counter.MALFORMED_PACKETS);
    }

    /** 5.0 §3.8.2.1.2: a Subscription Identifier of 0 is a protocol error. */
    @Test
    void subscriptionIdentifierZeroIsAProtocolError() {
        assertRefused(
                5,
                new Bytes()
                        .u16(1)
                        .props(new Bytes().u8(0x0B, 0x00))
                        .str("a/b")
                        .u8(1)
                        .packet(0x82),
                PROTOCOL_ERROR,
                Counter.PROTOCOL_ERRORS);
    }

    /** 5.0 [MQTT-3.8.3-4]: No Local on a shared subscription is a protocol error. */
    @Test
    void noLocalOnASharedSubscriptionIsAProtocolError() {
        assertRefused(5, subscribe(5, 1, "$share/g/a/b", 0x05), PROTOCOL_ERROR, Counter.PROTOCOL_ERRORS);
    }

    /** 5.0 [MQTT-3.3.4-6]: a client must not send a Subscription Identifier in PUBLISH. */
    @Test
    void subscriptionIdentifierInAClientPublishIsAProtocolError() {
        assertRefused(
                5,
                publish(5, 0x02, "a/b", 1, new Bytes().u8(0x0B, 0x05), bytes("x")),
                PROTOCOL_ERROR,
                Counter.PROTOCOL_ERRORS);
    }

    /** 5.0 §2.2.2.2: a property not defined for the packet type makes the packet malformed. */
    @ParameterizedTest(name = "property 0x{0}")
    @ValueSource(strings = {"1100000010", "1300 0a", "2400", "2200 05"})
    void propertyNotAllowedInAPublishIsMalformed(String propertyHex) {
        Bytes props = new Bytes().raw(hex(propertyHex.replace(" ", "")));
        assertRefused(5, publish(5, 0x02, "a/b", 1, props, bytes("x")), MALFORMED, Counter.MALFORMED_PACKETS);
    }

    @Test
    void propertyNotAllowedInConnectGetsConnackMalformed() {
        assertConnectRefused(
                5,
                connect(5, "alias-in-connect", 0x02, 60, new Bytes().u8(0x23).u16(1)),
                MALFORMED,
                Counter.MALFORMED_PACKETS);
    }

    @Test
    void propertyNotAllowedInSubscribeIsMalformed() {
        assertRefused(
                5,
                new Bytes()
                        .u16(1)
                        .props(new Bytes().u8(0x01, 0x01))
                        .str("a/b")
                        .u8(1)
                        .packet(0x82),
                MALFORMED,
                Counter.MALFORMED_PACKETS);
    }

    /** 5.0 §1.5.4 / §1.5.7: user property keys and values, content type and response topic are UTF-8 strings. */
    @ParameterizedTest(name = "property {0}")
    @ValueSource(strings = {"26 0001ff 0001 61", "26 0001 61 0002 6100", "03 0002 c328", "08 0003 612fff"})
    void illFormedUtf8InAPublishPropertyIsMalformed(String propertyHex) {
        Bytes props = new Bytes().raw(hex(propertyHex.replace(" ", "")));
        assertRefused(5, publish(5, 0x02, "a/b", 1, props, bytes("x")), MALFORMED, Counter.MALFORMED_PACKETS);
    }

    @Test
    void illFormedUtf8InAConnectUserPropertyGetsConnackMalformed() {
        assertConnectRefused(
                5,
                connect(
                        5,
                        "bad-prop",
                        0x02,
                        60,
                        new Bytes().u8(0x26).bin(hex("ff")).str("v")),
                MALFORMED,
                Counter.MALFORMED_PACKETS);
    }

    /** 5.0 [MQTT-3.3.2-14]: a Response Topic must not contain wildcards. */
    @Test
    void responseTopicWithAWildcardIsAProtocolError() {
        assertRefused(
                5,
                publish(5, 0x02, "a/b", 1, new Bytes().u8(0x08).str("reply/#"), bytes("x")),
                PROTOCOL_ERROR,
                Counter.PROTOCOL_ERRORS);
    }

    /** 5.0 §3.3.2.3.2: a payload that is not UTF-8 as its format indicator says gets 0x99 (the connection stays). */
    @Test
    void payloadThatIsNotUtf8AsItsFormatSaysGetsPuback0x99() {
        try (RawClient c = connected(5)) {
            c.send(publish(5, 0x02, "a/b", 1, new Bytes().u8(0x01, 0x01), hex("c328ff")));
            Packet puback = c.expect(PUBACK);
            assertEquals(0x99, puback.reasonCode());
            c.send(RawClient.pingreq());
            c.expect(RawClient.PINGRESP);
        }
    }

    /** 5.0 §3.1.2.11: Receive Maximum 0, Maximum Packet Size 0 and request flags above 1 are protocol errors. */
    @ParameterizedTest(name = "property {0}")
    @ValueSource(strings = {"21 0000", "27 00000000", "17 02", "19 02"})
    void invalidConnectPropertyValueGetsConnackProtocolError(String propertyHex) {
        assertConnectRefused(
                5,
                connect(5, "bad-value", 0x02, 60, new Bytes().raw(hex(propertyHex.replace(" ", "")))),
                PROTOCOL_ERROR,
                Counter.CONNECTS_REFUSED);
    }

    /** 5.0 §3.14.2.2.2: a session expiry on DISCONNECT after 0 at CONNECT is a protocol error. */
    @Test
    void sessionExpiryOnDisconnectAfterZeroIsAProtocolError() {
        assertRefused(
                5,
                new Bytes().u8(0x00).props(new Bytes().u8(0x11).u32(60)).packet(0xE0),
                PROTOCOL_ERROR,
                Counter.PROTOCOL_ERRORS);
    }

    /** 5.0 [MQTT-4.12.0-6]: AUTH without an Authentication Method in CONNECT is a protocol error. */
    @Test
    void authWithoutAnAuthenticationMethodIsAProtocolError() {
        assertRefused(5, hex("f000"), PROTOCOL_ERROR, Counter.PROTOCOL_ERRORS);
    }
}
