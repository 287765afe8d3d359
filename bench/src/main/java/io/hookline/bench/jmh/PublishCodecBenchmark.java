package io.hookline.bench.jmh;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttPublishVariableHeader;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Encoding and decoding one QoS 1 PUBLISH with netty-codec-mqtt, through an EmbeddedChannel as in
 * a real pipeline (MqttEncoder / MqttDecoder), with pooled buffers released after every call.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class PublishCodecBenchmark {
    @Param({"64", "1024"})
    public int payloadBytes;

    private static final String TOPIC = "site/17/device/42/temp";

    private EmbeddedChannel encoder;
    private EmbeddedChannel decoder;
    private ByteBuf payload;
    private ByteBuf encoded;

    @Setup(Level.Trial)
    public void setUp() {
        encoder = new EmbeddedChannel(MqttEncoder.INSTANCE);
        decoder = new EmbeddedChannel(new MqttDecoder(1 << 20));
        payload = PooledByteBufAllocator.DEFAULT.directBuffer(payloadBytes).writeZero(payloadBytes);
        encoded = encodeOnce();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        payload.release();
        encoded.release();
        encoder.finishAndReleaseAll();
        decoder.finishAndReleaseAll();
    }

    private MqttPublishMessage message() {
        return new MqttPublishMessage(
                new MqttFixedHeader(MqttMessageType.PUBLISH, false, MqttQoS.AT_LEAST_ONCE, false, 0),
                new MqttPublishVariableHeader(TOPIC, 1234),
                payload.retainedDuplicate());
    }

    private ByteBuf encodeOnce() {
        encoder.writeOutbound(message());
        return encoder.readOutbound();
    }

    @Benchmark
    public void encode(Blackhole bh) {
        ByteBuf out = encodeOnce();
        bh.consume(out.readableBytes());
        out.release();
    }

    @Benchmark
    public void decode(Blackhole bh) {
        decoder.writeInbound(encoded.retainedDuplicate());
        Object msg = decoder.readInbound();
        bh.consume(msg);
        ReferenceCountUtil.release(msg);
    }
}
