package io.hookline.broker.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hookline.api.mqtt.Topics;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class SubscriptionTrieTest {
    private static final SubscriptionOptions QOS1 = SubscriptionOptions.ofQos(1);

    private final SubscriptionTrie trie = new SubscriptionTrie();

    private static Subscription direct(String clientId, String filter) {
        return new Subscription(SubscriberId.of(clientId), filter, null, QOS1, 0);
    }

    private static Subscription shared(String clientId, String group, String filter) {
        return new Subscription(SubscriberId.of(clientId), filter, group, QOS1, 0);
    }

    @ParameterizedTest(name = "{0} ~ {1} = {2}")
    @MethodSource("io.hookline.broker.routing.MatchCases#cases")
    void trieAgreesWithTheSpecificationTable(String filter, String topic, boolean expected) {
        trie.add(direct("c", filter));
        trie.add(shared("c", "g", filter));
        RecordingCollector c = RecordingCollector.match(trie, topic);
        assertEquals(expected ? 1 : 0, c.direct.size());
        assertEquals(expected ? 1 : 0, c.shared.size());
    }

    @Test
    void emptyTrieMatchesNothing() {
        RecordingCollector c = RecordingCollector.match(trie, "a/b");
        assertTrue(c.direct.isEmpty());
        assertTrue(c.shared.isEmpty());
        assertEquals(0, trie.size());
        assertEquals(0, trie.nodeCount());
    }

    @Test
    void clientAppearsOncePerMatchingFilter() {
        trie.add(direct("c1", "a/b"));
        trie.add(direct("c1", "a/+"));
        trie.add(direct("c1", "#"));
        trie.add(direct("c2", "a/#"));
        trie.add(direct("c3", "a/c"));
        assertEquals(
                Set.of("c1:a/b", "c1:a/+", "c1:#", "c2:a/#"),
                RecordingCollector.match(trie, "a/b").directKeys());
        assertEquals(4, RecordingCollector.match(trie, "a/b").direct.size());
        assertEquals(5, trie.size());
    }

    @Test
    void dollarTopicsOnlyMatchFiltersThatStartWithTheDollarLevel() {
        trie.add(direct("all", "#"));
        trie.add(direct("plus", "+/x"));
        trie.add(direct("sys", "$SYS/#"));
        trie.add(direct("sysPlus", "$SYS/+"));
        trie.add(shared("s", "g", "#"));
        RecordingCollector c = RecordingCollector.match(trie, "$SYS/x");
        assertEquals(Set.of("sys:$SYS/#", "sysPlus:$SYS/+"), c.directKeys());
        assertTrue(c.shared.isEmpty());
        assertEquals(
                Set.of("all:#", "plus:+/x"),
                RecordingCollector.match(trie, "a/x").directKeys());
    }

    @Test
    void resubscribeReplacesOptionsAndSubscriptionId() {
        Subscription first = new Subscription(SubscriberId.of("c"), "a/+", null, SubscriptionOptions.ofQos(0), 7);
        Subscription second =
                new Subscription(SubscriberId.of("c"), "a/+", null, new SubscriptionOptions(2, true, true, 1), 9);
        assertNull(trie.add(first));
        assertSame(first, trie.add(second));
        assertEquals(1, trie.size());
        RecordingCollector c = RecordingCollector.match(trie, "a/b");
        assertEquals(List.of(second), c.direct);
        assertEquals(9, c.direct.get(0).subscriptionId());
        assertEquals(new SubscriptionOptions(2, true, true, 1), c.direct.get(0).options());
    }

    @Test
    void sameClientAndFilterDirectAndSharedAreDistinctSubscriptions() {
        trie.add(direct("c", "a"));
        trie.add(shared("c", "g1", "a"));
        trie.add(shared("c", "g2", "a"));
        assertEquals(3, trie.size());
        RecordingCollector c = RecordingCollector.match(trie, "a");
        assertEquals(Set.of("c:a"), c.directKeys());
        assertEquals(Set.of("g1:a", "g2:a"), c.sharedKeys());
        assertEquals(direct("c", "a"), trie.remove(SubscriberId.of("c"), null, "a"));
        assertEquals(2, trie.size());
        assertEquals(Set.of("g1:a", "g2:a"), RecordingCollector.match(trie, "a").sharedKeys());
    }

    @Test
    void sharedGroupMembershipAddReplaceRemove() {
        assertNull(trie.add(shared("c1", "g", "a/+")));
        assertNull(trie.add(shared("c2", "g", "a/+")));
        assertNull(trie.add(shared("c3", "g", "a/+")));
        assertNull(trie.add(shared("c1", "other", "a/+")));
        assertNull(trie.add(shared("c1", "g", "a/b")));
        assertEquals(5, trie.size());

        RecordingCollector c = RecordingCollector.match(trie, "a/b");
        assertTrue(c.direct.isEmpty());
        assertEquals(Set.of("g:a/+", "other:a/+", "g:a/b"), c.sharedKeys());
        SharedGroup g = groupOf(c, "g", "a/+");
        assertEquals(List.of("c1", "c2", "c3"), clientIds(g));

        // replacing a member keeps its place and the group object (and so its cursor)
        Subscription replacement =
                new Subscription(SubscriberId.of("c2"), "a/+", "g", SubscriptionOptions.ofQos(2), 42);
        assertEquals(shared("c2", "g", "a/+"), trie.add(replacement));
        assertEquals(5, trie.size());
        SharedGroup again = groupOf(RecordingCollector.match(trie, "a/b"), "g", "a/+");
        assertSame(g, again);
        assertEquals(List.of("c1", "c2", "c3"), clientIds(again));
        assertEquals(replacement, again.members().get(1));

        assertEquals(shared("c1", "g", "a/+"), trie.remove(SubscriberId.of("c1"), "g", "a/+"));
        assertNull(trie.remove(SubscriberId.of("c1"), "g", "a/+"));
        assertNull(trie.remove(SubscriberId.of("nobody"), "g", "a/+"));
        assertNull(trie.remove(SubscriberId.of("c2"), "nogroup", "a/+"));
        assertEquals(List.of("c2", "c3"), clientIds(g));
        assertEquals(4, trie.size());

        trie.remove(SubscriberId.of("c2"), "g", "a/+");
        trie.remove(SubscriberId.of("c3"), "g", "a/+");
        assertTrue(g.members().isEmpty());
        assertEquals(
                Set.of("other:a/+", "g:a/b"),
                RecordingCollector.match(trie, "a/b").sharedKeys());
    }

    @Test
    void membersSnapshotIsImmutableAndUnaffectedByLaterChanges() {
        trie.add(shared("c1", "g", "a"));
        SharedGroup g = RecordingCollector.match(trie, "a").shared.get(0);
        List<Subscription> snapshot = g.members();
        trie.add(shared("c2", "g", "a"));
        assertEquals(1, snapshot.size());
        assertEquals(2, g.members().size());
        assertThrows(UnsupportedOperationException.class, () -> g.members().add(shared("x", "g", "a")));
    }

    @Test
    void sharedGroupIdentityIsGroupAndFilter() {
        trie.add(shared("c1", "g", "a/+"));
        trie.add(shared("c1", "g", "+/b"));
        RecordingCollector c = RecordingCollector.match(trie, "a/b");
        assertEquals(2, c.shared.size());
        assertTrue(!c.shared.get(0).equals(c.shared.get(1)));
        assertEquals(new SharedGroup("g", "a/+"), groupOf(c, "g", "a/+"));
        assertEquals(
                new SharedGroup("g", "a/+").hashCode(), groupOf(c, "g", "a/+").hashCode());
    }

    @Test
    void nextMemberRoundRobinsOverMembers() {
        trie.add(shared("c1", "g", "a"));
        trie.add(shared("c2", "g", "a"));
        trie.add(shared("c3", "g", "a"));
        SharedGroup g = RecordingCollector.match(trie, "a").shared.get(0);
        List<String> picked = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            picked.add(g.nextMember().subscriber().clientId());
        }
        assertEquals(List.of("c1", "c2", "c3", "c1", "c2", "c3"), picked);
        assertEquals(6, g.cursor().get());
        g.cursor().set(-1); // wrapped around: still a valid index
        assertEquals("c3", g.nextMember().subscriber().clientId());
        assertNull(new SharedGroup("g", "a").nextMember());
    }

    @Test
    void removeReturnsNullForUnknownSubscriptions() {
        trie.add(direct("c", "a/b"));
        assertNull(trie.remove(SubscriberId.of("c"), null, "a"));
        assertNull(trie.remove(SubscriberId.of("c"), null, "a/b/c"));
        assertNull(trie.remove(SubscriberId.of("other"), null, "a/b"));
        assertNull(trie.remove(SubscriberId.of("c"), "g", "a/b"));
        assertEquals(1, trie.size());
        assertEquals(2, trie.nodeCount());
    }

    @Test
    void removingALeafPrunesOnlyNodesThatBecameEmpty() {
        trie.add(direct("c", "a"));
        trie.add(direct("c", "a/b/c"));
        trie.add(direct("c", "a/x"));
        assertEquals(4, trie.nodeCount());
        trie.remove(SubscriberId.of("c"), null, "a/b/c");
        assertEquals(2, trie.nodeCount()); // a, a/x
        assertEquals(Set.of("c:a"), RecordingCollector.match(trie, "a").directKeys());
        trie.remove(SubscriberId.of("c"), null, "a");
        assertEquals(2, trie.nodeCount()); // a is still the parent of a/x
        assertEquals(Set.of("c:a/x"), RecordingCollector.match(trie, "a/x").directKeys());
        trie.remove(SubscriberId.of("c"), null, "a/x");
        assertEquals(0, trie.nodeCount());
        assertEquals(0, trie.walkNodeCount());
    }

    @Test
    void subscribeUnsubscribeChurnOfUniqueTopicsLeavesNothingBehind() {
        Random random = new Random(42);
        List<Subscription> live = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            if (!live.isEmpty() && random.nextInt(3) == 0) {
                Subscription s = live.remove(random.nextInt(live.size()));
                assertEquals(s, trie.remove(s.subscriber(), s.shareGroup(), s.filter()));
            } else {
                String filter = "dev/" + i + (random.nextBoolean() ? "/+/state" : "/#");
                String group = random.nextInt(4) == 0 ? "g" + random.nextInt(3) : null;
                Subscription s = new Subscription(SubscriberId.of("c" + random.nextInt(50)), filter, group, QOS1, 0);
                trie.add(s);
                live.add(s);
            }
        }
        assertEquals(live.size(), trie.size());
        assertEquals(trie.walkNodeCount(), trie.nodeCount());
        for (Subscription s : live) {
            trie.remove(s.subscriber(), s.shareGroup(), s.filter());
        }
        assertEquals(0, trie.size());
        assertEquals(0, trie.nodeCount());
        assertEquals(0, trie.walkNodeCount());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "a#", "a/#/b", "a+", "#/"})
    void invalidFiltersAreRejected(String filter) {
        assertThrows(IllegalArgumentException.class, () -> trie.add(direct("c", filter)));
        assertEquals(0, trie.nodeCount());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "g/h", "+", "#", "g+"})
    void invalidShareNamesAreRejected(String group) {
        assertThrows(IllegalArgumentException.class, () -> trie.add(shared("c", group, "a")));
        assertEquals(0, trie.size());
    }

    @Test
    void veryDeepTopicsAreMatchedWithoutRecursion() throws Exception {
        String topic = "/".repeat(19_999); // 20,000 empty levels
        String allPlus = "+/".repeat(19_999) + "+";
        onSmallStack(() -> {
            trie.add(direct("exact", topic));
            trie.add(direct("plus", allPlus));
            trie.add(direct("plusHash", "+/".repeat(10_000) + "#"));
            trie.add(direct("hash", "#"));
            trie.add(direct("tooDeep", allPlus + "/+"));
            trie.add(shared("s", "g", topic));
            RecordingCollector c = RecordingCollector.match(trie, topic);
            assertEquals(
                    Set.of("exact:" + topic, "plus:" + allPlus, "plusHash:" + "+/".repeat(10_000) + "#", "hash:#"),
                    c.directKeys());
            assertEquals(1, c.shared.size());
            trie.remove(SubscriberId.of("exact"), null, topic);
            trie.remove(SubscriberId.of("plus"), null, allPlus);
            trie.remove(SubscriberId.of("plusHash"), null, "+/".repeat(10_000) + "#");
            trie.remove(SubscriberId.of("hash"), null, "#");
            trie.remove(SubscriberId.of("tooDeep"), null, allPlus + "/+");
            trie.remove(SubscriberId.of("s"), "g", topic);
            assertEquals(0, trie.size());
            assertEquals(0, trie.walkNodeCount());
            assertEquals(0, trie.nodeCount());
        });
    }

    @Test
    void randomizedCrossCheckAgainstReferenceMatcher() {
        Random random = new Random(20240611L);
        List<Subscription> subs = new ArrayList<>();
        for (int i = 0; i < 3_000; i++) {
            String filter = RandomTopics.filter(random);
            String group = random.nextInt(5) == 0 ? "g" + random.nextInt(3) : null;
            Subscription s = new Subscription(SubscriberId.of("c" + random.nextInt(300)), filter, group, QOS1, i + 1);
            trie.add(s);
            subs.removeIf(o -> o.subscriber().equals(s.subscriber())
                    && o.filter().equals(filter)
                    && java.util.Objects.equals(o.shareGroup(), group));
            subs.add(s);
        }
        assertEquals(subs.size(), trie.size());
        int matched = 0;
        for (int i = 0; i < 3_000; i++) {
            String topic = RandomTopics.topic(random);
            Set<String> expectedDirect = new TreeSet<>();
            Set<String> expectedShared = new TreeSet<>();
            int expectedDirectCount = 0;
            for (Subscription s : subs) {
                if (Topics.matches(s.filter(), topic)) {
                    if (s.shareGroup() == null) {
                        expectedDirect.add(s.subscriber().clientId() + ":" + s.filter());
                        expectedDirectCount++;
                    } else {
                        expectedShared.add(s.shareGroup() + ":" + s.filter());
                    }
                }
            }
            RecordingCollector c = RecordingCollector.match(trie, topic);
            assertEquals(expectedDirect, c.directKeys(), topic);
            assertEquals(expectedDirectCount, c.direct.size(), topic);
            assertEquals(expectedShared, c.sharedKeys(), topic);
            assertEquals(expectedShared.size(), c.shared.size(), topic); // each group once
            matched += expectedDirectCount + expectedShared.size();
        }
        assertTrue(matched > 10_000, "the random alphabet should produce plenty of matches: " + matched);
    }

    private static SharedGroup groupOf(RecordingCollector c, String group, String filter) {
        return c.shared.stream()
                .filter(g -> g.group().equals(group) && g.filter().equals(filter))
                .findFirst()
                .orElseThrow();
    }

    private static List<String> clientIds(SharedGroup g) {
        return g.members().stream().map(s -> s.subscriber().clientId()).toList();
    }

    /** Runs on a thread with a 256 KiB stack, far too small for one frame per level at 20,000 levels. */
    static void onSmallStack(Runnable body) throws Exception {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread t = new Thread(
                null,
                () -> {
                    try {
                        body.run();
                    } catch (Throwable e) {
                        failure.set(e);
                    }
                },
                "small-stack",
                256 * 1024);
        t.start();
        t.join();
        if (failure.get() instanceof Exception e) {
            throw e;
        } else if (failure.get() instanceof Error e) {
            throw e;
        }
    }
}
