package io.hookline.broker.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hookline.broker.testsupport.RawClient;
import io.hookline.broker.testsupport.RawClient.Bytes;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class PacketFramerTest {

    private final EmbeddedChannel channel = new EmbeddedChannel(new PacketFramer(1000)); // it decodes too
    private final List<MqttMessage> decoded = new ArrayList<>();

    @AfterEach
    void release() {
        decoded.forEach(ReferenceCountUtil::release);
        channel.finishAndReleaseAll();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    private void feed(byte[] bytes, int chunk) {
        for (int i = 0; i < bytes.length; i += chunk) {
            channel.writeInbound(Unpooled.wrappedBuffer(bytes, i, Math.min(chunk, bytes.length - i)));
        }
        for (Object m; (m = channel.readInbound()) != null; ) {
            decoded.add((MqttMessage) m);
        }
    }

    private static final byte[] SESSION = concat(
            RawClient.connect(5, "framed"),
            RawClient.subscribe(5, 1, "a/+", 1),
            RawClient.publish(5, "a/b", 1, 2, new byte[300]), // a two-byte remaining length
            RawClient.pingreq());

    @Test
    void packetsArrivingByteByByteAreDecodedWhole() {
        feed(SESSION, 1);
        assertEquals(
                List.of(
                        MqttMessageType.CONNECT,
                        MqttMessageType.SUBSCRIBE,
                        MqttMessageType.PUBLISH,
                        MqttMessageType.PINGREQ),
                decoded.stream().map(m -> m.fixedHeader().messageType()).toList());
        decoded.forEach(m -> assertTrue(m.decoderResult().isSuccess(), m::toString));
        assertEquals(300, ((MqttPublishMessage) decoded.get(2)).content().readableBytes());
    }

    @Test
    void packetsArrivingTogetherAreDecodedOneByOne() {
        feed(SESSION, SESSION.length);
        assertEquals(4, decoded.size());
        decoded.forEach(m -> assertTrue(m.decoderResult().isSuccess(), m::toString));
    }

    @Test
    void reservedSubscriptionOptionBitsBecomeAFailedSubscribe() {
        feed(concat(RawClient.connect(5, "framed"), RawClient.subscribe(5, 1, "a/b", 0x41), RawClient.pingreq()), 7);
        assertEquals(2, decoded.size(), "nothing after the bad SUBSCRIBE");
        MqttMessage bad = decoded.get(1);
        assertEquals(MqttMessageType.SUBSCRIBE, bad.fixedHeader().messageType());
        assertTrue(bad.decoderResult().isFailure());
    }

    @Test
    void mqtt311SubscriptionOptionsMayOnlyCarryAQos() {
        feed(concat(RawClient.connect(4, "framed"), RawClient.subscribe(4, 1, "a/b", 0x08)), 64);
        assertTrue(decoded.get(1).decoderResult().isFailure());
    }

    @Test
    void publishShorterThanItsTopicFailsInsteadOfSwallowingTheNextPacket() {
        feed(concat(RawClient.connect(4, "framed"), new byte[] {0x30, 3, 0, 10, 'a'}, RawClient.pingreq()), 64);
        assertEquals(2, decoded.size());
        assertEquals(MqttMessageType.PUBLISH, decoded.get(1).fixedHeader().messageType());
        assertTrue(decoded.get(1).decoderResult().isFailure());
    }

    @Test
    void oversizePacketIsLeftToTheDecoderToRefuse() {
        feed(concat(RawClient.connect(5, "framed"), RawClient.publish(5, "a/b", 0, 0, new byte[2000])), 100);
        assertEquals(2, decoded.size());
        assertInstanceOf(
                TooLongFrameException.class, decoded.get(1).decoderResult().cause());
    }

    @Test
    void fifthRemainingLengthByteIsLeftToTheDecoderToRefuse() {
        feed(concat(RawClient.connect(4, "framed"), new byte[] {0x30, -1, -1, -1, -1, 0x7F}), 3);
        assertEquals(2, decoded.size());
        assertTrue(decoded.get(1).decoderResult().isFailure());
    }

    @Test
    void subscribeWithPropertiesIsCheckedPastThem() {
        byte[] subscribe = new Bytes()
                .u16(1)
                .props(new Bytes().u8(0x0B).vbi(300).u8(0x26).str("k").str("v"))
                .str("a/b")
                .u8(0x02)
                .str("c")
                .u8(0x81)
                .packet(0x82);
        feed(concat(RawClient.connect(5, "framed"), subscribe), 5);
        assertTrue(decoded.get(1).decoderResult().isFailure(), "0x81 in the second filter's options");
    }

    /** Issue 15 item 6: Mosquitto's bridge bit (level 0x84) is taken off before decoding; the channel is marked. */
    @Test
    void bridgeConnectIsDecodedAsMqtt311AndMarked() {
        byte[] connect = RawClient.connect(4, "bridge");
        connect[8] = (byte) 0x84; // fixed header 2, "MQTT" 6: the level
        feed(connect, 5);
        assertEquals(1, decoded.size());
        assertTrue(decoded.get(0).decoderResult().isSuccess(), decoded.get(0)::toString);
        assertEquals(
                4,
                ((io.netty.handler.codec.mqtt.MqttConnectMessage) decoded.get(0))
                        .variableHeader()
                        .version());
        assertTrue(io.hookline.broker.protocol.Bridge.is(channel));
    }

    /** Issue 16 item 3: a first byte other than CONNECT's fails on its own, before any length byte. */
    @Test
    void firstByteOtherThanConnectFailsAtOnce() {
        feed(new byte[] {'G'}, 1);
        assertEquals(1, decoded.size());
        assertInstanceOf(
                io.hookline.broker.protocol.ProtocolViolation.class,
                decoded.get(0).decoderResult().cause());
    }

    /** Issue 15 item 3: a CONNECT whose client id runs past its remaining length fails instead of waiting. */
    @Test
    void connectWhoseFieldsOverrunItsLengthFails() {
        byte[] connect =
                RawClient.connect(4, 0x02, 60, new Bytes(), new Bytes().u16(40).raw(new byte[] {'a'}));
        feed(connect, 64);
        assertEquals(1, decoded.size());
        assertTrue(decoded.get(0).decoderResult().isFailure());
    }
}
