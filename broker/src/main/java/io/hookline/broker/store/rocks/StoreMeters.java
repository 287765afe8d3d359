package io.hookline.broker.store.rocks;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.concurrent.TimeUnit;

/**
 * {@code hookline_store_*} meters of the durable store: functions of {@link StoreStats} and of
 * RocksDB's own properties, read at scrape time; nothing is counted twice on the write path.
 * Thread-safe: the stats are adders, RocksDB properties are thread-safe reads.
 */
public final class StoreMeters implements MeterBinder {

    private final RocksStores stores;

    public StoreMeters(RocksStores stores) {
        this.stores = stores;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        StoreStats s = stores.stats();
        FunctionTimer.builder(
                        "hookline.store.writes", s, StoreStats::groups, StoreStats::writeNanos, TimeUnit.NANOSECONDS)
                .description("WAL writes (one per group of concurrent requests) and the time they took")
                .register(registry);
        FunctionCounter.builder("hookline.store.write.requests", s, StoreStats::requests)
                .description("Write requests (batches) stored")
                .register(registry);
        FunctionCounter.builder("hookline.store.write.bytes", s, StoreStats::bytesWritten)
                .description("Key and value bytes written")
                .register(registry);
        FunctionCounter.builder("hookline.store.write.errors", s, StoreStats::writeErrors)
                .description("Write requests that failed (e.g. a full disk); their publishers were refused")
                .register(registry);
        FunctionTimer.builder("hookline.store.syncs", s, StoreStats::syncs, StoreStats::syncNanos, TimeUnit.NANOSECONDS)
                .description("fsyncs of the write-ahead log and the time they took")
                .register(registry);
        FunctionCounter.builder("hookline.store.sync.errors", s, StoreStats::syncErrors)
                .description("fsyncs of the write-ahead log that failed")
                .register(registry);
        Gauge.builder("hookline.store.read.only", stores, x -> x.health().writable() ? 0 : 1)
                .description("1 while the store refuses writes (RocksDB stopped after a failed write, e.g. a full"
                        + " disk, and has not recovered yet), else 0")
                .register(registry);
        Gauge.builder("hookline.store.disk.bytes", stores, x -> x.store().diskBytes())
                .description("Bytes of the store's files on disk")
                .register(registry);
        Gauge.builder("hookline.store.queued.messages", stores, x -> x.store().estimateRecords(Column.QUEUES))
                .description("Messages in persistent sessions' queues on disk (RocksDB's estimate)")
                .register(registry);
    }
}
