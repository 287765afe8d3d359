package io.hookline.broker.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hookline.broker.protocol.CodecVersion;
import io.hookline.broker.testsupport.RawClient;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The decoder the framers of one thread share ({@link SharedDecoder}): each connection keeps its
 * own protocol version, and a packet that breaks the decoder breaks only its own connection.
 * All channels here run on the test thread, so they share one decoder as connections of one event
 * loop do.
 */
class SharedDecoderTest {

    private final List<EmbeddedChannel> channels = new ArrayList<>();
    private final List<Object> decoded = new ArrayList<>();

    @AfterEach
    void release() {
        decoded.forEach(ReferenceCountUtil::release);
        channels.forEach(EmbeddedChannel::finishAndReleaseAll);
    }

    private EmbeddedChannel connection() {
        EmbeddedChannel ch = new EmbeddedChannel(new PacketFramer(1000));
        channels.add(ch);
        return ch;
    }

    private MqttMessage read(EmbeddedChannel ch, byte[] bytes) {
        ch.writeInbound(Unpooled.wrappedBuffer(bytes));
        Object m = ch.readInbound();
        decoded.add(m);
        assertNull(ch.readInbound(), "one packet in, one message out");
        return (MqttMessage) m;
    }

    @Test
    void eachConnectionKeepsTheVersionOfItsOwnConnect() {
        EmbeddedChannel v5 = connection();
        EmbeddedChannel v4 = connection();
        assertTrue(read(v5, RawClient.connect(5, "five")).decoderResult().isSuccess());
        assertTrue(read(v4, RawClient.connect(4, "four")).decoderResult().isSuccess());
        assertEquals(MqttVersion.MQTT_5, v5.pipeline().get(PacketFramer.class).codecVersion());
        assertEquals(
                MqttVersion.MQTT_3_1_1, v4.pipeline().get(PacketFramer.class).codecVersion());
        // held by the framer: no channel attribute per connection (48 B each)
        assertFalse(v5.hasAttr(CodecVersion.ATTRIBUTE));
        assertFalse(v4.hasAttr(CodecVersion.ATTRIBUTE));

        // read as v5 the 3.1.1 PUBLISH would lose its first payload byte to a property length
        MqttPublishMessage fromV4 = (MqttPublishMessage) read(v4, RawClient.publish(4, "a/b", 1, 7, new byte[10]));
        MqttPublishMessage fromV5 = (MqttPublishMessage) read(v5, RawClient.publish(5, "a/b", 1, 8, new byte[10]));
        assertTrue(fromV4.decoderResult().isSuccess(), fromV4::toString);
        assertTrue(fromV5.decoderResult().isSuccess(), fromV5::toString);
        assertEquals(10, fromV4.content().readableBytes());
        assertEquals(10, fromV5.content().readableBytes());
        assertEquals(7, fromV4.variableHeader().packetId());
        assertEquals(8, fromV5.variableHeader().packetId());
    }

    @Test
    void aMalformedPacketFailsItsConnectionOnlyAndTheNextConnectionDecodes() {
        EmbeddedChannel bad = connection();
        EmbeddedChannel good = connection();
        read(bad, RawClient.connect(4, "bad"));
        read(good, RawClient.connect(4, "good"));

        // a QoS 1 PUBLISH with packet id 0: Netty's decoder fails it and would discard all that follows
        byte[] zeroId = RawClient.publish(4, "a/b", 1, 0, new byte[3]);
        MqttMessage failed = read(bad, zeroId);
        assertTrue(failed.decoderResult().isFailure(), failed::toString);

        MqttMessage next = read(good, RawClient.publish(4, "a/b", 1, 9, new byte[3]));
        assertTrue(next.decoderResult().isSuccess(), next::toString);
        assertEquals(MqttMessageType.PUBLISH, next.fixedHeader().messageType());

        bad.writeInbound(Unpooled.wrappedBuffer(RawClient.pingreq()));
        assertNull(bad.readInbound(), "after a malformed packet its connection's input is discarded");
    }

    @Test
    void contentsClaimingMoreThanThePacketHoldsFailThePacketAndKeepNothing() {
        EmbeddedChannel ch = connection();
        EmbeddedChannel other = connection();
        read(ch, RawClient.connect(4, "short"));
        read(other, RawClient.connect(4, "other"));

        // a CONNACK (not the framer's to check) of remaining length 1: the decoder would wait for
        // a second byte from the next packet
        MqttMessage m = read(ch, new byte[] {0x20, 0x01, 0x00});
        assertTrue(m.decoderResult().isFailure(), m::toString);
        assertTrue(m.decoderResult().cause().getMessage().contains("longer than its remaining length"), m::toString);

        assertEquals(
                MqttMessageType.PINGREQ,
                read(other, RawClient.pingreq()).fixedHeader().messageType());
    }
}
