package io.hookline.broker.admin;

import io.hookline.api.command.CommandResult;
import io.hookline.api.command.CommandSpec;
import io.hookline.broker.store.rocks.Column;
import io.hookline.broker.store.rocks.RocksStores;
import io.hookline.broker.store.rocks.StoreHealth;
import io.hookline.broker.store.rocks.StoreStats;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code store show}: where the broker keeps its state and how the store is doing. Reads
 * counters and RocksDB's cheap estimates only; runs on the admin API's worker threads.
 */
final class StoreCommands {

    private StoreCommands() {}

    static void register(CommandRegistry registry, ManagedBroker broker) {
        registry.add(
                CommandSpec.builder("store", "show")
                        .help("the store (persistence = on): directory, sync policy, writable or read-only (since when,"
                                + " why), sessions and queued messages on disk (RocksDB's estimates), disk bytes,"
                                + " writes, errors, syncs, last compaction")
                        .build(),
                request -> new Reply.Done(CommandResult.table(List.of(show(broker)))),
                "core");
    }

    private static Map<String, Object> show(ManagedBroker broker) {
        Map<String, Object> row = new LinkedHashMap<>();
        if (!(broker.stores() instanceof RocksStores s)) {
            row.put("persistence", "off");
            row.put("sessions", broker.sessions().size());
            return row;
        }
        StoreStats stats = s.stats();
        row.put("persistence", "on");
        row.put("directory", s.directory().toString());
        row.put("sync", s.syncPolicy().name().toLowerCase(Locale.ROOT));
        StoreHealth.State health = s.health();
        row.put("state", health.writable() ? "writable" : "read-only");
        row.put("state_since", Instant.ofEpochMilli(health.sinceMillis()).toString());
        if (!health.writable()) {
            row.put("read_only_reason", health.reason());
        }
        row.put("read_only_times", health.readOnlyTimes());
        row.put("sessions", s.estimatedRecords(Column.SESSIONS));
        row.put("queued_messages", s.estimatedRecords(Column.QUEUES));
        row.put("inflight_messages", s.estimatedRecords(Column.INFLIGHT));
        row.put("retained_messages", s.retained().size());
        row.put("disk_bytes", s.diskBytes());
        row.put("write_requests", stats.requests());
        row.put("writes", stats.groups());
        row.put("write_errors", stats.writeErrors());
        row.put("syncs", stats.syncs());
        row.put("sync_errors", stats.syncErrors());
        long compacted = s.lastCompactionMillis();
        row.put(
                "last_compaction",
                compacted == 0
                        ? "none since start"
                        : Instant.ofEpochMilli(compacted).toString());
        return row;
    }
}
