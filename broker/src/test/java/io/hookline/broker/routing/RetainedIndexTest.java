package io.hookline.broker.routing;

import static io.hookline.broker.routing.SubscriptionTrieTest.onSmallStack;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hookline.api.mqtt.Topics;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class RetainedIndexTest {
    private final RetainedIndex<String> index = new RetainedIndex<>();

    private Set<String> matching(String filter) {
        Set<String> topics = new TreeSet<>();
        index.forEachMatching(filter, (topic, value) -> {
            assertEquals("v:" + topic, value);
            assertTrue(topics.add(topic), "reported twice: " + topic);
        });
        return topics;
    }

    private void putAll(String... topics) {
        for (String topic : topics) {
            index.put(topic, "v:" + topic);
        }
    }

    @Test
    void putGetRemoveReturnPreviousValues() {
        assertNull(index.put("a/b", "1"));
        assertEquals("1", index.put("a/b", "2"));
        assertEquals("2", index.get("a/b"));
        assertNull(index.get("a"));
        assertNull(index.get("a/b/c"));
        assertNull(index.get("a/c"));
        assertEquals(1, index.size());
        assertNull(index.remove("a"));
        assertNull(index.remove("a/b/c"));
        assertEquals("2", index.remove("a/b"));
        assertNull(index.remove("a/b"));
        assertNull(index.get("a/b"));
        assertEquals(0, index.size());
    }

    @ParameterizedTest(name = "{0} ~ {1} = {2}")
    @MethodSource("io.hookline.broker.routing.MatchCases#cases")
    void lookupAgreesWithTheSpecificationTable(String filter, String topic, boolean expected) {
        putAll(topic);
        assertEquals(expected ? Set.of(topic) : Set.of(), matching(filter));
    }

    @Test
    void wildcardLookups() {
        putAll("a", "a/b", "a/b/c", "a/c", "b", "/", "/a", "a/", "$SYS/x", "$SYS/x/y", "a/$b");
        assertEquals(Set.of("a", "a/b", "a/b/c", "a/c", "b", "/", "/a", "a/", "a/$b"), matching("#"));
        assertEquals(Set.of("a", "a/b", "a/b/c", "a/c", "a/", "a/$b"), matching("a/#"));
        assertEquals(Set.of("a/b", "a/c", "a/", "a/$b"), matching("a/+"));
        assertEquals(Set.of("a", "b"), matching("+"));
        assertEquals(Set.of("/", "/a"), matching("/#"));
        assertEquals(Set.of("/", "/a", "a/b", "a/c", "a/", "a/$b"), matching("+/+"));
        assertEquals(Set.of("a/b/c"), matching("+/+/c"));
        assertEquals(Set.of("a/b", "a/b/c"), matching("a/b/#"));
        assertEquals(Set.of("$SYS/x", "$SYS/x/y"), matching("$SYS/#"));
        assertEquals(Set.of("$SYS/x"), matching("$SYS/+"));
        assertEquals(Set.of(), matching("+/x"));
        assertEquals(Set.of("a/b"), matching("a/b"));
        assertEquals(Set.of(), matching("c/#"));
    }

    @Test
    void forEachVisitsEverythingIncludingDollarTopics() {
        putAll("a", "a/b", "$SYS/x", "/");
        Map<String, String> all = new TreeMap<>();
        index.forEach(all::put);
        assertEquals(Map.of("a", "v:a", "a/b", "v:a/b", "$SYS/x", "v:$SYS/x", "/", "v:/"), all);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "a/+", "#", "a\u0000"})
    void invalidTopicNamesCannotBeStored(String topic) {
        assertThrows(IllegalArgumentException.class, () -> index.put(topic, "v"));
        assertEquals(0, index.size());
        assertEquals(0, index.nodeCount());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "a#", "a/#/b", "+a"})
    void invalidFiltersAreRejected(String filter) {
        assertThrows(IllegalArgumentException.class, () -> index.forEachMatching(filter, (t, v) -> {}));
    }

    @Test
    void removingPrunesOnlyNodesThatBecameEmpty() {
        putAll("a", "a/b/c", "a/x");
        assertEquals(4, index.nodeCount());
        index.remove("a/b/c");
        assertEquals(2, index.nodeCount());
        index.remove("a");
        assertEquals(2, index.nodeCount());
        assertEquals(Set.of("a/x"), matching("#"));
        index.remove("a/x");
        assertEquals(0, index.nodeCount());
        assertEquals(0, index.walkNodeCount());
    }

    @Test
    void churnOfUniqueTopicsLeavesNothingBehind() {
        Random random = new Random(3);
        List<String> live = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            if (!live.isEmpty() && random.nextInt(3) == 0) {
                String topic = live.remove(random.nextInt(live.size()));
                assertEquals("v:" + topic, index.remove(topic));
            } else {
                String topic = "dev/" + i + "/" + random.nextInt(10) + "/state";
                putAll(topic);
                live.add(topic);
            }
        }
        assertEquals(live.size(), index.size());
        assertEquals(index.walkNodeCount(), index.nodeCount());
        live.forEach(index::remove);
        assertEquals(0, index.size());
        assertEquals(0, index.nodeCount());
        assertEquals(0, index.walkNodeCount());
    }

    @Test
    void veryDeepTopicsAreLookedUpWithoutRecursion() throws Exception {
        String topic = "/".repeat(19_999); // 20,000 empty levels
        String allPlus = "+/".repeat(19_999) + "+";
        onSmallStack(() -> {
            putAll(topic, "a");
            assertEquals("v:" + topic, index.get(topic));
            assertEquals(Set.of(topic, "a"), matching("#"));
            assertEquals(Set.of(topic), matching(allPlus));
            assertEquals(Set.of(topic), matching(topic));
            assertEquals(Set.of(topic), matching("/#"));
            assertEquals(Set.of(topic), matching("+/".repeat(10_000) + "#"));
            assertEquals(Set.of(), matching(allPlus + "/+"));
            List<String> all = new ArrayList<>();
            index.forEach((t, v) -> all.add(t));
            assertEquals(2, all.size());
            assertEquals("v:" + topic, index.remove(topic));
            index.remove("a");
            assertEquals(0, index.walkNodeCount());
            assertEquals(0, index.nodeCount());
        });
    }

    @Test
    void randomizedCrossCheckAgainstReferenceMatcher() {
        Random random = new Random(99);
        Set<String> stored = new TreeSet<>();
        for (int i = 0; i < 2_000; i++) {
            String topic = RandomTopics.topic(random);
            putAll(topic);
            stored.add(topic);
        }
        assertEquals(stored.size(), index.size());
        int matched = 0;
        for (int i = 0; i < 3_000; i++) {
            String filter = RandomTopics.filter(random);
            Set<String> expected = new TreeSet<>();
            for (String topic : stored) {
                if (Topics.matches(filter, topic)) {
                    expected.add(topic);
                }
            }
            assertEquals(expected, matching(filter), filter);
            matched += expected.size();
        }
        assertTrue(matched > 10_000, "the random alphabet should produce plenty of matches: " + matched);
    }

    @Test
    void concurrentPutRemoveAndLookupKeepTheIndexConsistent() throws Exception {
        index.put("stable/x", "v:stable/x");
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        CountDownLatch start = new CountDownLatch(1);
        List<Map<String, String>> models = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < 3; w++) {
            Map<String, String> model = new HashMap<>(); // confined to writer w until joined
            models.add(model);
            Random random = new Random(10 + w);
            String prefix = "w" + w;
            threads.add(new Thread(
                    () -> {
                        awaitQuietly(start);
                        for (int i = 0; i < 20_000; i++) {
                            String topic = prefix + "/" + RandomTopics.topic(random);
                            if (random.nextInt(5) < 2) {
                                String removed = index.remove(topic);
                                if (!java.util.Objects.equals(removed, model.remove(topic))) {
                                    failures.add("remove " + topic + " returned " + removed);
                                }
                            } else {
                                String value = "v:" + topic;
                                String previous = index.put(topic, value);
                                if (!java.util.Objects.equals(previous, model.put(topic, value))) {
                                    failures.add("put " + topic + " returned " + previous);
                                }
                            }
                        }
                    },
                    "writer-" + w));
        }
        for (int r = 0; r < 2; r++) {
            Random random = new Random(20 + r);
            threads.add(new Thread(
                    () -> {
                        awaitQuietly(start);
                        for (int i = 0; i < 5_000; i++) {
                            String filter = "+/" + RandomTopics.filter(random);
                            boolean[] sawStable = {false};
                            index.forEachMatching(filter, (topic, value) -> {
                                if (!Topics.matches(filter, topic) || !value.equals("v:" + topic)) {
                                    failures.add(filter + " reported " + topic + "=" + value);
                                }
                                sawStable[0] |= topic.equals("stable/x");
                            });
                            if (sawStable[0] != Topics.matches(filter, "stable/x")) {
                                failures.add(filter + " got stable/x wrong");
                            }
                        }
                    },
                    "reader-" + r));
        }
        threads.forEach(Thread::start);
        start.countDown();
        for (Thread t : threads) {
            t.join();
        }
        assertTrue(failures.isEmpty(), () -> String.join("\n", failures));

        Map<String, String> expected = new TreeMap<>();
        models.forEach(expected::putAll);
        expected.put("stable/x", "v:stable/x");
        Map<String, String> actual = new TreeMap<>();
        index.forEach(actual::put);
        assertEquals(expected, actual);
        assertEquals(expected.size(), index.size());
        assertEquals(index.walkNodeCount(), index.nodeCount());
        expected.keySet().forEach(index::remove);
        assertEquals(0, index.size());
        assertEquals(0, index.nodeCount());
        assertEquals(0, index.walkNodeCount());
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
