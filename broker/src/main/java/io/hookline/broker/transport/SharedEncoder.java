package io.hookline.broker.transport;

import io.hookline.broker.protocol.CodecVersion;
import io.hookline.broker.protocol.PublishEncoder;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.netty.util.Attribute;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.concurrent.PromiseCombiner;
import java.util.ArrayList;
import java.util.List;

/**
 * The MQTT encoder ({@link PublishEncoder}, with Netty's MqttEncoder for packets other than
 * PUBLISH), run once per thread for the {@link PacketFramer}s of its connections instead of as a
 * pipeline stage of each (a context, 56 B per connection). It keeps nothing between packets. It
 * runs in a pipeline of its own (a detached {@link EmbeddedChannel}: a stage that catches what is
 * written, then the encoder), with the connection's protocol version (held by its framer, set on
 * the detached pipeline's codec attribute for the call) and allocator; the framer counts and writes on what it encoded. Confined to its
 * thread (one per event loop); not reentrant, and nothing it calls calls back into it.
 */
final class SharedEncoder {

    private static final FastThreadLocal<SharedEncoder> PER_THREAD = new FastThreadLocal<>() {
        @Override
        protected SharedEncoder initialValue() {
            return new SharedEncoder();
        }
    };

    private final EmbeddedChannel pipeline;
    private final ChannelHandlerContext encoderContext;
    private final Attribute<MqttVersion> version;
    private final List<Object> encoded = new ArrayList<>(2); // what the last write produced

    private SharedEncoder() {
        this.pipeline = new EmbeddedChannel(new Catcher(), PublishEncoder.INSTANCE);
        this.encoderContext = pipeline.pipeline().context(PublishEncoder.INSTANCE);
        this.version = pipeline.attr(CodecVersion.ATTRIBUTE);
    }

    static SharedEncoder forThread() {
        return PER_THREAD.get();
    }

    /**
     * Encodes {@code msg} in {@code codecVersion} (the connection's, null before its CONNECT) for
     * the connection of {@code ctx} and writes the result there, counting its bytes in
     * {@code counter} unless that is null; completes {@code promise} as the stage this replaces
     * did (failed when encoding fails).
     */
    void write(
            ChannelHandlerContext ctx,
            Object msg,
            ChannelPromise promise,
            MqttVersion codecVersion,
            ByteCounter counter)
            throws Exception {
        version.set(codecVersion);
        ByteBufAllocator alloc = ctx.alloc();
        if (pipeline.config().getAllocator() != alloc) {
            pipeline.config().setAllocator(alloc);
        }
        try {
            PublishEncoder.INSTANCE.write(encoderContext, msg, pipeline.voidPromise());
        } catch (Throwable t) {
            for (Object o : encoded) {
                ReferenceCountUtil.release(o);
            }
            encoded.clear();
            throw t;
        }
        int n = encoded.size();
        if (counter != null) {
            for (int i = 0; i < n; i++) {
                counter.out(encoded.get(i));
            }
        }
        // taken out of the list before writing: a write may re-enter (writability events)
        if (n == 1) {
            Object only = encoded.get(0);
            encoded.clear();
            ctx.write(only, promise);
            return;
        }
        Object[] parts = n == 2 ? null : encoded.toArray();
        Object header = n == 2 ? encoded.get(0) : null; // a PUBLISH: header, then its payload
        Object payload = n == 2 ? encoded.get(1) : null;
        encoded.clear();
        if (promise.isVoid()) {
            if (parts == null) {
                ctx.write(header, promise);
                ctx.write(payload, promise);
            } else {
                for (Object part : parts) {
                    ctx.write(part, promise);
                }
            }
            return;
        }
        PromiseCombiner combiner = new PromiseCombiner(ctx.executor());
        if (parts == null) {
            combiner.add(ctx.write(header));
            combiner.add(ctx.write(payload));
        } else {
            for (Object part : parts) {
                combiner.add(ctx.write(part));
            }
        }
        combiner.finish(promise);
    }

    /** First stage of the detached pipeline: keeps what the encoder writes for the caller. */
    private final class Catcher extends ChannelOutboundHandlerAdapter {
        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            encoded.add(msg);
        }
    }
}
