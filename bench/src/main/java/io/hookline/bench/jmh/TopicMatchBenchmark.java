package io.hookline.bench.jmh;

import io.hookline.broker.routing.MatchCollector;
import io.hookline.broker.routing.SharedGroup;
import io.hookline.broker.routing.SubscriberId;
import io.hookline.broker.routing.Subscription;
import io.hookline.broker.routing.SubscriptionOptions;
import io.hookline.broker.routing.SubscriptionTrie;
import java.util.SplittableRandom;
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
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Matching one topic name against a {@link SubscriptionTrie} of 100k subscriptions shaped like an
 * IoT deployment: {@code site/S/device/D/METRIC} with exact filters, some {@code +} and {@code #}
 * filters, and a few shared groups. Each benchmark matches a different topic per call (from a
 * fixed pseudo-random list) so the trie is not walked along one cached path.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class TopicMatchBenchmark {
    private static final String[] METRICS = {"temp", "humidity", "power", "state"};
    private static final int TOPICS = 4096;

    @Param({"100000"})
    public int subscriptions;

    private SubscriptionTrie trie;
    private String[] hitTopics;
    private String[] missTopics;
    private int sites;
    private int next;

    @Setup(Level.Trial)
    public void build() {
        trie = new SubscriptionTrie();
        // 80% exact, 10% single-level wildcard, 8% multi-level wildcard, 2% shared (groups of 4).
        int devicesPerSite = 100;
        sites = Math.max(1, subscriptions / (devicesPerSite * METRICS.length));
        SplittableRandom rnd = new SplittableRandom(42);
        for (int i = 0; i < subscriptions; i++) {
            int site = rnd.nextInt(sites);
            int device = rnd.nextInt(devicesPerSite);
            String metric = METRICS[rnd.nextInt(METRICS.length)];
            int kind = rnd.nextInt(100);
            String filter;
            String group = null;
            if (kind < 80) {
                filter = "site/" + site + "/device/" + device + "/" + metric;
            } else if (kind < 90) {
                filter = "site/" + site + "/device/+/" + metric;
            } else if (kind < 98) {
                filter = "site/" + site + "/device/" + device + "/#";
            } else {
                filter = "site/" + site + "/device/+/" + metric;
                group = "g" + (i % 4);
            }
            trie.add(new Subscription(SubscriberId.of("client-" + i), filter, group, SubscriptionOptions.ofQos(1), 0));
        }
        hitTopics = new String[TOPICS];
        missTopics = new String[TOPICS];
        for (int i = 0; i < TOPICS; i++) {
            int site = rnd.nextInt(sites);
            int device = rnd.nextInt(devicesPerSite);
            String metric = METRICS[rnd.nextInt(METRICS.length)];
            hitTopics[i] = "site/" + site + "/device/" + device + "/" + metric;
            missTopics[i] = "site/" + (sites + site) + "/device/" + device + "/" + metric;
        }
    }

    /** A topic inside the populated sites: a handful of direct matches plus wildcards. */
    @Benchmark
    public void matchPopulatedTopic(Blackhole bh) {
        String topic = hitTopics[next++ & (TOPICS - 1)];
        trie.match(topic, new CountingCollector(bh));
    }

    /** A topic in a site nobody subscribed to: the cost of finding nothing. */
    @Benchmark
    public void matchUnsubscribedTopic(Blackhole bh) {
        String topic = missTopics[next++ & (TOPICS - 1)];
        trie.match(topic, new CountingCollector(bh));
    }

    /** Hands every match to the blackhole so the walk cannot be optimized away. */
    private static final class CountingCollector implements MatchCollector {
        private final Blackhole bh;

        CountingCollector(Blackhole bh) {
            this.bh = bh;
        }

        @Override
        public void direct(Subscription s) {
            bh.consume(s);
        }

        @Override
        public void shared(SharedGroup group) {
            bh.consume(group);
        }
    }
}
