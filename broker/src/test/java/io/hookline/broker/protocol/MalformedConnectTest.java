package io.hookline.broker.protocol;

import static io.hookline.broker.testsupport.Clients.bytes;
import static io.hookline.broker.testsupport.RawClient.PUBACK;
import static io.hookline.broker.testsupport.RawClient.connect;
import static io.hookline.broker.testsupport.RawClient.publish;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.hookline.broker.metrics.BrokerMetrics.Counter;
import io.hookline.broker.testsupport.RawClient;
import io.hookline.broker.testsupport.RawClient.Bytes;
import io.hookline.broker.testsupport.RawClient.Packet;
import io.hookline.broker.testsupport.TestBroker;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 15 item 3 and issue 16 item 3: CONNECTs whose fields do not fit their remaining length,
 * and bytes that are no CONNECT at all, close the connection at once (MQTT 5: CONNACK 0x81 or
 * 0x95 where the version is known) instead of waiting for connect_timeout, which is set to a
 * minute here so that a wait for it would fail the 5-second reads. Sizes are judged from the
 * fixed header, before the body is buffered; the default max_message_size is announced.
 */
class MalformedConnectTest extends WireTestBase {

    private static final int MALFORMED = 0x81, PACKET_TOO_LARGE = 0x95;

    @Override
    protected String[] brokerConfig() {
        return new String[] {"connect_timeout", "60s"};
    }

    /** {@code b}, then for MQTT 5 an empty property block. */
    private static Bytes propsIfV5(Bytes b, int version) {
        return version == 5 ? b.props(new Bytes()) : b;
    }

    @ParameterizedTest(name = "MQTT level {0}")
    @ValueSource(ints = {4, 5})
    void willFlagWithThePayloadEndingBeforeTheWillIsMalformed(int version) {
        assertConnectRefused(
                version,
                connect(version, 0x06, 60, new Bytes(), new Bytes().str("will-cut")),
                MALFORMED,
                Counter.MALFORMED_PACKETS);
    }

    @ParameterizedTest(name = "MQTT level {0}")
    @ValueSource(ints = {4, 5})
    void userNameFlagWithoutAUserNameIsMalformed(int version) {
        assertConnectRefused(
                version,
                connect(version, 0x82, 60, new Bytes(), new Bytes().str("no-user")),
                MALFORMED,
                Counter.MALFORMED_PACKETS);
    }

    @ParameterizedTest(name = "MQTT level {0}")
    @ValueSource(ints = {4, 5})
    void clientIdLongerThanThePacketIsMalformed(int version) {
        Bytes payload = new Bytes().u16(50).raw(bytes("abc"));
        assertConnectRefused(
                version, connect(version, 0x02, 60, new Bytes(), payload), MALFORMED, Counter.MALFORMED_PACKETS);
    }

    /** The remaining length ends inside the client id; the bytes after it must not be read as its rest. */
    @ParameterizedTest(name = "MQTT level {0}")
    @ValueSource(ints = {4, 5})
    void remainingLengthShorterThanTheFieldsIsMalformed(int version) {
        byte[] connect = connect(version, "short-remaining-length");
        connect[1] -= 4;
        assertConnectRefused(version, connect, MALFORMED, Counter.MALFORMED_PACKETS);
    }

    @ParameterizedTest(name = "MQTT level {0}")
    @ValueSource(ints = {4, 5})
    void bytesAfterTheLastFieldAreMalformed(int version) {
        byte[] connect = propsIfV5(new Bytes().str("MQTT").u8(version, 0x02).u16(60), version)
                .str("trailing")
                .raw(bytes("xyz"))
                .packet(0x10);
        assertConnectRefused(version, connect, MALFORMED, Counter.MALFORMED_PACKETS);
    }

    @Test
    void emptyConnectBodyClosesAtOnce() {
        try (RawClient c = RawClient.open(broker, 4)) {
            c.send(hex("1000"));
            c.assertClosed();
        }
        assertCounted(Counter.MALFORMED_PACKETS, 1);
    }

    @Test
    void propertyValueCutShortIsMalformed() {
        // a property block of 3 bytes: Session Expiry Interval needs 4 after its identifier
        byte[] connect = new Bytes()
                .str("MQTT")
                .u8(5, 0x02)
                .u16(60)
                .vbi(3)
                .u8(0x11)
                .u16(0)
                .str("cut-property")
                .packet(0x10);
        assertConnectRefused(5, connect, MALFORMED, Counter.MALFORMED_PACKETS);
    }

    /** A fixed header cut off by the end of the client's stream closes at once. */
    @Test
    void truncatedFixedHeaderClosesWhenTheStreamEnds() {
        try (RawClient c = RawClient.open(broker, 4)) {
            c.send(hex("10ff"));
            c.shutdownOutput();
            c.assertClosed();
        }
    }

    // ---- judged from the fixed header ------------------------------------------------------

    /** Issue 16 item 3: 10 ff ff ff 7f and zeros was buffered up to 256 MB; now refused from its header. */
    @Test
    void connectClaiming256MegabytesIsRefusedFromItsHeader() {
        try (RawClient c = RawClient.open(broker, 4)) {
            c.send(hex("10ffffff7f"));
            c.assertClosed();
        }
        assertCounted(Counter.LIMIT_MESSAGE_SIZE, 1);
    }

    /** Only the protocol name and level are waited for, so an MQTT 5 client hears 0x95. */
    @Test
    void mqtt5ConnectAboveMaxConnectSizeGetsConnack0x95BeforeItsBodyArrives() {
        try (RawClient c = RawClient.open(broker, 5)) {
            c.send(new Bytes().u8(0x10).vbi(100_000).str("MQTT").u8(5).toBytes());
            Packet connack = c.expectConnack(PACKET_TOO_LARGE);
            assertEquals(0, connack.body()[0], "no session present");
            c.assertClosed();
        }
        assertCounted(Counter.LIMIT_MESSAGE_SIZE, 1);
    }

    @Test
    void connectJustBelowMaxConnectSizeIsAccepted() {
        Bytes props = new Bytes().u8(0x26).str("k").str("v".repeat(60_000));
        try (RawClient c = RawClient.open(broker, 5)) {
            c.send(connect(5, "big-but-allowed", 0x02, 60, props));
            c.expectConnack(0);
        }
    }

    /** An HTTP request on the MQTT port: its first byte is no CONNECT, so the socket closes unanswered. */
    @Test
    void httpRequestOnTheMqttPortClosesAtOnce() {
        try (RawClient c = RawClient.open(broker, 4)) {
            c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            c.assertClosed();
        }
        assertCounted(Counter.PROTOCOL_ERRORS, 1);
    }

    /** A first packet other than CONNECT is refused on its first byte, not after its body. */
    @Test
    void otherPacketFirstIsRefusedOnItsFirstByte() {
        try (RawClient c = RawClient.open(broker, 4)) {
            c.send(hex("30ffffff7f"));
            c.assertClosed();
        }
        assertCounted(Counter.PROTOCOL_ERRORS, 1);
    }

    /** Issue 16 item 3: a finite max_message_size by default, announced in CONNACK, enforced. */
    @Test
    void defaultMaximumPacketSizeIsOneMegabyteAndAnnounced() {
        try (RawClient c = RawClient.open(broker, 5)) {
            c.send(connect(5, "announced"));
            Packet connack = c.expectConnack(0);
            assertEquals(1024L * 1024 + 1 + 3, connack.properties().get(0x27), "Maximum Packet Size");
            c.send(publish(5, "a/b", 1, 1, new byte[512 * 1024]));
            assertEquals(1, c.expect(PUBACK).packetId());
            c.send(publish(5, "a/b", 1, 2, new byte[1024 * 1024]));
            c.expectDisconnect(PACKET_TOO_LARGE);
        }
        assertCounted(Counter.LIMIT_MESSAGE_SIZE, 1);
    }

    @Test
    void maxMessageSizeZeroStillMeansTheProtocolMaximum() {
        try (TestBroker unlimited = TestBroker.start("max_message_size", "0");
                RawClient c = RawClient.open(unlimited, 5)) {
            c.send(connect(5, "unlimited"));
            assertEquals(null, c.expectConnack(0).properties().get(0x27), "nothing to announce");
        }
    }
}
