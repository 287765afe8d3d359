package io.hookline.broker.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hookline.broker.routing.Delivery;
import io.hookline.broker.routing.Message;
import io.hookline.broker.routing.Messages;
import io.hookline.broker.routing.PublishProperties;
import io.hookline.broker.routing.SubscriberId;
import io.hookline.broker.routing.UserProperty;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.MqttPropertyType;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.netty.util.AttributeKey;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Our PUBLISH encoder checked against Netty's independent MQTT decoder. */
class PublishEncoderTest {

    private static final Messages MESSAGES = Messages.forTests();

    private static MqttPublishMessage roundTrip(OutgoingPublish publish, MqttVersion version) {
        EmbeddedChannel encoder = new EmbeddedChannel(PublishEncoder.INSTANCE);
        encoder.writeOutbound(publish);
        ByteBuf wire = Unpooled.buffer();
        for (ByteBuf part; (part = encoder.readOutbound()) != null; ) {
            wire.writeBytes(part);
            part.release();
        }
        EmbeddedChannel decoder = new EmbeddedChannel(new MqttDecoder(1 << 20));
        decoder.attr(AttributeKey.<MqttVersion>valueOf("NETTY_CODEC_MQTT_VERSION"))
                .set(version);
        decoder.writeInbound(wire);
        MqttPublishMessage decoded = decoder.readInbound();
        assertTrue(decoded.decoderResult().isSuccess(), () -> "decoder: " + decoded.decoderResult());
        assertNull(decoder.readInbound(), "exactly one packet");
        return decoded;
    }

    @Test
    void otherPacketsAreEncodedByNettysEncoderInTheSameStage() {
        EmbeddedChannel encoder = new EmbeddedChannel(PublishEncoder.INSTANCE);
        encoder.writeOutbound(Packets.PINGRESP);
        ByteBuf wire = encoder.readOutbound();
        assertArrayEquals(new byte[] {(byte) 0xD0, 0x00}, ByteBufUtil.getBytes(wire));
        wire.release();
        encoder.writeOutbound(Packets.pubReply(MqttMessageType.PUBACK, 7, (byte) 0));
        ByteBuf puback = encoder.readOutbound();
        assertArrayEquals(new byte[] {0x40, 0x02, 0x00, 0x07}, ByteBufUtil.getBytes(puback));
        puback.release();
        assertNull(encoder.readOutbound());
        assertFalse(encoder.finish());
    }

    @Test
    void mqtt3PublishDecodesToTheSameFields() {
        Message m = MESSAGES.create(
                "a/b/ü",
                1,
                true,
                "hello".getBytes(StandardCharsets.UTF_8),
                PublishProperties.NONE,
                SubscriberId.of("c"));
        MqttPublishMessage p = roundTrip(
                new OutgoingPublish(new Delivery(m, 1, true, List.of()), m.topic(), 42, true, false, -1),
                MqttVersion.MQTT_3_1_1);
        try {
            assertEquals("a/b/ü", p.variableHeader().topicName());
            assertEquals(42, p.variableHeader().packetId());
            assertEquals(1, p.fixedHeader().qosLevel().value());
            assertTrue(p.fixedHeader().isDup());
            assertTrue(p.fixedHeader().isRetain());
            assertEquals("hello", p.content().toString(StandardCharsets.UTF_8));
        } finally {
            p.release();
        }
    }

    @Test
    void qos0HasNoPacketIdAndEmptyPayloadIsFine() {
        Message m = MESSAGES.create("t", 0, false, new byte[0], PublishProperties.NONE, null);
        MqttPublishMessage p = roundTrip(
                new OutgoingPublish(new Delivery(m, 0, false, List.of()), m.topic(), 0, false, false, -1),
                MqttVersion.MQTT_3_1_1);
        try {
            assertEquals("t", p.variableHeader().topicName());
            assertEquals(0, p.fixedHeader().qosLevel().value());
            assertFalse(p.fixedHeader().isRetain());
            assertEquals(0, p.content().readableBytes());
        } finally {
            p.release();
        }
    }

    @Test
    void mqtt5PropertiesAndSubscriptionIdentifiersDecode() {
        PublishProperties props = new PublishProperties(
                1,
                300L,
                "text/plain",
                "reply/to",
                new byte[] {1, 2, 3},
                List.of(new UserProperty("k", "v"), new UserProperty("k", "v2")));
        Message m = MESSAGES.create("x", 2, false, new byte[70_000], props, SubscriberId.of("c"));
        MqttPublishMessage p = roundTrip(
                new OutgoingPublish(new Delivery(m, 2, false, List.of(7, 300_000)), m.topic(), 65535, false, true, 299),
                MqttVersion.MQTT_5);
        try {
            MqttProperties d = p.variableHeader().properties();
            assertEquals(
                    1,
                    d.getProperty(MqttPropertyType.PAYLOAD_FORMAT_INDICATOR.value())
                            .value());
            assertEquals(
                    299,
                    d.getProperty(MqttPropertyType.PUBLICATION_EXPIRY_INTERVAL.value())
                            .value());
            assertEquals(
                    "text/plain",
                    d.getProperty(MqttPropertyType.CONTENT_TYPE.value()).value());
            assertEquals(
                    "reply/to",
                    d.getProperty(MqttPropertyType.RESPONSE_TOPIC.value()).value());
            assertArrayEquals(new byte[] {1, 2, 3}, (byte[])
                    d.getProperty(MqttPropertyType.CORRELATION_DATA.value()).value());
            assertEquals(2, Props.userProperties(d).size());
            assertEquals("v2", Props.userProperties(d).get(1).value());
            List<Integer> ids = d.getProperties(MqttPropertyType.SUBSCRIPTION_IDENTIFIER.value()).stream()
                    .map(x -> (Integer) x.value())
                    .toList();
            assertEquals(List.of(7, 300_000), ids);
            assertEquals(65535, p.variableHeader().packetId());
            assertEquals(70_000, p.content().readableBytes());
        } finally {
            p.release();
        }
    }

    @Test
    void payloadIsWrappedNotCopied() {
        byte[] payload = "shared".getBytes(StandardCharsets.UTF_8);
        Message m = MESSAGES.create("t", 0, false, payload, PublishProperties.NONE, null);
        EmbeddedChannel encoder = new EmbeddedChannel(PublishEncoder.INSTANCE);
        encoder.writeOutbound(
                new OutgoingPublish(new Delivery(m, 0, false, List.of()), m.topic(), 0, false, false, -1));
        ByteBuf header = encoder.readOutbound();
        ByteBuf body = encoder.readOutbound();
        try {
            assertTrue(body.hasArray());
            assertSame(payload, body.array(), "the subscriber's bytes are the message's own array");
            assertEquals("shared", ByteBufUtil.hexDump(body).isEmpty() ? "" : body.toString(StandardCharsets.UTF_8));
        } finally {
            header.release();
            body.release();
        }
    }
}
