package io.hookline.broker.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hookline.broker.routing.Message;
import io.hookline.broker.routing.PublishProperties;
import io.hookline.broker.util.StoreBatch;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class MemoryRetainedStoreTest {

    /** Now, for the store: expiry instants are epoch millis from the caller's clock. */
    private static final long NOW = 1_700_000_000_000L;

    private static Message retained(String topic, String payload, long expiresAtMillis) {
        return new Message(
                0,
                topic,
                0,
                true,
                payload.getBytes(StandardCharsets.UTF_8),
                PublishProperties.NONE,
                null,
                expiresAtMillis);
    }

    private static List<String> matching(MemoryRetainedStore store, String filter) {
        List<String> payloads = new ArrayList<>();
        store.matching(filter, NOW, m -> payloads.add(new String(m.payload(), StandardCharsets.UTF_8)));
        return payloads;
    }

    @Test
    void expiredMessagesAreLeftOutAndRemoved() {
        MemoryRetainedStore store = new MemoryRetainedStore();
        store.retain(retained("a/old", "old", NOW), StoreBatch.NONE); // expires at NOW: expired
        store.retain(retained("a/new", "new", 0), StoreBatch.NONE);
        assertEquals(List.of("new"), matching(store, "a/+"));
        assertEquals(1, store.size(), "the expired one is gone");
    }

    @Test
    void anEmptyPayloadClearsTheTopic() {
        MemoryRetainedStore store = new MemoryRetainedStore();
        store.retain(retained("t", "x", 0), StoreBatch.NONE);
        store.retain(retained("t", "", 0), StoreBatch.NONE);
        assertEquals(0, store.size());
        assertEquals(List.of(), matching(store, "#"));
    }

    /**
     * A subscriber finding an expired message removes it; a publisher may replace it at the same
     * moment. The removal must never take the replacement with it. Concurrent by nature: the
     * writer checks after every replacement, for up to a few hundred thousand rounds.
     */
    @Test
    void removingAnExpiredMessageNeverRemovesTheMessageThatReplacedIt() throws Exception {
        MemoryRetainedStore store = new MemoryRetainedStore();
        Message expired = retained("t", "expired", NOW - 1);
        Message fresh = retained("t", "fresh", 0);
        AtomicBoolean stop = new AtomicBoolean();
        Thread subscriber = new Thread(
                () -> {
                    while (!stop.get()) {
                        store.matching("t", NOW, m -> {});
                    }
                },
                "subscriber");
        subscriber.start();
        int lost = 0;
        try {
            long deadline = System.nanoTime() + 3_000_000_000L;
            for (int i = 0; i < 300_000 && System.nanoTime() < deadline; i++) {
                store.retain(expired, StoreBatch.NONE);
                store.retain(fresh, StoreBatch.NONE);
                if (store.size() != 1) { // only expired messages may ever be removed by a lookup
                    lost++;
                }
            }
        } finally {
            stop.set(true);
            subscriber.join();
        }
        assertEquals(0, lost, "fresh retained messages removed as if expired");
        assertTrue(matching(store, "t").contains("fresh"));
    }
}
