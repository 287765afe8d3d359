package io.hookline.broker.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hookline.api.mqtt.Topics;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class SubscriptionTrieConcurrencyTest {
    private static final int WRITERS = 3;
    private static final int MATCHERS = 2;
    private static final int OPS = 20_000;
    private static final SubscriptionOptions QOS0 = SubscriptionOptions.ofQos(0);

    private final SubscriptionTrie trie = new SubscriptionTrie();
    private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();

    @Test
    void concurrentAddRemoveAndMatchKeepTheIndexConsistent() throws Exception {
        // Never removed: every match of "s/<x>/x" must see both, whatever the writers do.
        trie.add(new Subscription(SubscriberId.of("stable"), "s/#", null, QOS0, 0));
        trie.add(new Subscription(SubscriberId.of("stable"), "s/+/x", "sg", QOS0, 0));

        List<Map<String, Subscription>> models = new ArrayList<>();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < WRITERS; w++) {
            Map<String, Subscription> model = new HashMap<>(); // confined to writer w until joined
            models.add(model);
            Random random = new Random(100 + w);
            String prefix = "w" + w; // writers own disjoint client ids, so each model is exact
            threads.add(new Thread(guarded(start, () -> write(random, prefix, model)), "writer-" + w));
        }
        for (int m = 0; m < MATCHERS; m++) {
            Random random = new Random(200 + m);
            threads.add(new Thread(guarded(start, () -> matchContinuously(random)), "matcher-" + m));
        }
        threads.forEach(Thread::start);
        start.countDown();
        for (Thread t : threads) {
            t.join();
        }
        assertTrue(failures.isEmpty(), () -> String.join("\n", failures));

        List<Subscription> expected = new ArrayList<>();
        models.forEach(m -> expected.addAll(m.values()));
        assertEquals(expected.size() + 2, trie.size());
        assertEquals(trie.walkNodeCount(), trie.nodeCount());

        // The surviving state matches exactly what the writers think they left behind.
        expected.add(new Subscription(SubscriberId.of("stable"), "s/#", null, QOS0, 0));
        expected.add(new Subscription(SubscriberId.of("stable"), "s/+/x", "sg", QOS0, 0));
        Random random = new Random(7);
        for (int i = 0; i < 500; i++) {
            String topic = RandomTopics.topic(random);
            Set<String> wantDirect = new TreeSet<>();
            Set<String> wantShared = new TreeSet<>();
            for (Subscription s : expected) {
                if (Topics.matches(s.filter(), topic)) {
                    if (s.shareGroup() == null) {
                        wantDirect.add(s.subscriber().clientId() + ":" + s.filter());
                    } else {
                        wantShared.add(s.shareGroup() + ":" + s.filter());
                    }
                }
            }
            RecordingCollector c = RecordingCollector.match(trie, topic);
            assertEquals(wantDirect, c.directKeys(), topic);
            assertEquals(wantShared, c.sharedKeys(), topic);
        }

        for (Subscription s : expected) {
            assertEquals(s, trie.remove(s.subscriber(), s.shareGroup(), s.filter()));
        }
        assertEquals(0, trie.size());
        assertEquals(0, trie.nodeCount());
        assertEquals(0, trie.walkNodeCount());
    }

    private void write(Random random, String prefix, Map<String, Subscription> model) {
        for (int i = 0; i < OPS; i++) {
            String filter = random.nextBoolean() ? RandomTopics.filter(random) : "s/" + RandomTopics.filter(random);
            String group = random.nextInt(4) == 0 ? "g" + random.nextInt(2) : null;
            String clientId = prefix + "-" + random.nextInt(5);
            String key = clientId + "|" + group + "|" + filter;
            if (random.nextInt(5) < 2) {
                Subscription removed = trie.remove(SubscriberId.of(clientId), group, filter);
                Subscription want = model.remove(key);
                if (want != removed) {
                    failures.add("remove " + key + " returned " + removed + " but expected " + want);
                }
            } else {
                Subscription s = new Subscription(SubscriberId.of(clientId), filter, group, QOS0, i + 1);
                Subscription replaced = trie.add(s);
                Subscription want = model.put(key, s);
                if (want != replaced) {
                    failures.add("add " + key + " replaced " + replaced + " but expected " + want);
                }
            }
        }
    }

    private void matchContinuously(Random random) {
        for (int i = 0; i < OPS; i++) {
            String topic = "s/" + RandomTopics.topic(random);
            RecordingCollector c = RecordingCollector.match(trie, topic);
            for (Subscription s : c.direct) {
                if (!Topics.matches(s.filter(), topic)) {
                    failures.add(topic + " reported non-matching " + s);
                }
            }
            for (SharedGroup g : c.shared) {
                if (!Topics.matches(g.filter(), topic)) {
                    failures.add(topic + " reported non-matching group " + g);
                }
            }
            if (!c.directKeys().contains("stable:s/#")) {
                failures.add(topic + " lost the stable subscription: " + c.directKeys());
            }
            boolean secondLevelX = Topics.matches("s/+/x", topic);
            if (secondLevelX != c.sharedKeys().contains("sg:s/+/x")) {
                failures.add(topic + " got the stable shared group wrong: " + c.sharedKeys());
            }
        }
    }

    private Runnable guarded(CountDownLatch start, Runnable body) {
        return () -> {
            try {
                start.await();
                body.run();
            } catch (Throwable e) {
                failures.add(Thread.currentThread().getName() + " failed: " + e);
            }
        };
    }
}
