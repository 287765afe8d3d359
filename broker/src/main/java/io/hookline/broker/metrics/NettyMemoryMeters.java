package io.hookline.broker.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetric;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.buffer.PooledByteBufAllocatorMetric;
import io.netty.util.internal.PlatformDependent;

/**
 * Netty's buffer memory as {@code hookline.netty.*} meters: what the channels' allocator
 * ({@link ByteBufAllocator#DEFAULT}, pooled unless {@code io.netty.allocator.type} says otherwise)
 * holds, and the direct memory Netty counts itself. Thread-safe: the allocator's metrics are.
 */
public final class NettyMemoryMeters implements MeterBinder {
    private final ByteBufAllocator allocator;

    public NettyMemoryMeters() {
        this(ByteBufAllocator.DEFAULT);
    }

    public NettyMemoryMeters(ByteBufAllocator allocator) {
        this.allocator = allocator;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        String kind = allocator.getClass().getSimpleName();
        if (allocator instanceof ByteBufAllocatorMetricProvider provider) {
            ByteBufAllocatorMetric metric = provider.metric();
            Gauge.builder("hookline.netty.allocator.memory.used", metric, ByteBufAllocatorMetric::usedHeapMemory)
                    .strongReference(true)
                    .baseUnit("bytes")
                    .description("Memory held by Netty's buffer allocator")
                    .tags("area", "heap", "allocator", kind)
                    .register(registry);
            Gauge.builder("hookline.netty.allocator.memory.used", metric, ByteBufAllocatorMetric::usedDirectMemory)
                    .strongReference(true)
                    .baseUnit("bytes")
                    .description("Memory held by Netty's buffer allocator")
                    .tags("area", "direct", "allocator", kind)
                    .register(registry);
            if (metric instanceof PooledByteBufAllocatorMetric pooled) {
                Gauge.builder("hookline.netty.allocator.arenas", pooled, PooledByteBufAllocatorMetric::numHeapArenas)
                        .strongReference(true)
                        .description("Arenas of the pooled allocator")
                        .tags("area", "heap")
                        .register(registry);
                Gauge.builder("hookline.netty.allocator.arenas", pooled, PooledByteBufAllocatorMetric::numDirectArenas)
                        .strongReference(true)
                        .description("Arenas of the pooled allocator")
                        .tags("area", "direct")
                        .register(registry);
                Gauge.builder(
                                "hookline.netty.allocator.thread.local.caches",
                                pooled,
                                PooledByteBufAllocatorMetric::numThreadLocalCaches)
                        .strongReference(true)
                        .description("Thread-local caches of the pooled allocator")
                        .register(registry);
                Gauge.builder("hookline.netty.allocator.chunk.size", pooled, PooledByteBufAllocatorMetric::chunkSize)
                        .strongReference(true)
                        .baseUnit("bytes")
                        .description("Chunk size of the pooled allocator")
                        .register(registry);
            }
        }
        if (PlatformDependent.usedDirectMemory() >= 0) { // -1 when Netty does not count it
            Gauge.builder("hookline.netty.direct.memory.used", () -> PlatformDependent.usedDirectMemory())
                    .strongReference(true)
                    .baseUnit("bytes")
                    .description("Direct memory Netty reserved")
                    .register(registry);
            Gauge.builder("hookline.netty.direct.memory.max", () -> PlatformDependent.maxDirectMemory())
                    .strongReference(true)
                    .baseUnit("bytes")
                    .description("Direct memory Netty may reserve")
                    .register(registry);
        }
    }
}
