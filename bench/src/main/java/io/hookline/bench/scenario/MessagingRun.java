package io.hookline.bench.scenario;

import io.hookline.bench.client.BenchClient;
import io.hookline.bench.client.InboundListener;
import io.hookline.bench.client.Transport;
import io.hookline.bench.load.Payload;
import io.hookline.bench.load.PublishDriver;
import io.hookline.bench.load.SequenceTracker;
import io.hookline.bench.load.SequenceTracker.Delivery;
import io.hookline.bench.probe.ProcessSampler;
import io.hookline.bench.report.Latency;
import io.hookline.bench.report.RunResult;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.HdrHistogram.Histogram;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one publish/subscribe scenario: connect and subscribe the receivers, connect the
 * publishers, publish for the duration while sampling the broker, wait for the tail to arrive,
 * then count loss, duplicates and latency per delivery stream. Not thread-safe; one run at a time.
 */
final class MessagingRun {
    private static final Logger LOG = LoggerFactory.getLogger(MessagingRun.class);
    /** Time allowed after the publishing window for acknowledgements and deliveries to finish. */
    private static final long DRAIN_NANOS = TimeUnit.SECONDS.toNanos(10);
    /**
     * Deliveries that stop for this long are taken as finished. Long enough to ride out a GC pause
     * or a starved broker on a shared machine, so missing messages really are lost.
     */
    private static final long QUIET_NANOS = TimeUnit.SECONDS.toNanos(3);

    private static final long SETUP_TIMEOUT_SECONDS = 30;
    /** Time for a cluster's nodes to learn the subscribers' routes before publishing starts. */
    private static final long ROUTE_SETTLE_MILLIS = 1000;

    private final Transport transport;
    private final ScenarioParams params;
    private final Target target;
    private final String run;
    private final boolean persistent;

    /** @param persistent clients connect with clean session 0: the broker keeps (and may store) their sessions */
    MessagingRun(Transport transport, ScenarioParams params, Target target, String run, boolean persistent) {
        this.transport = transport;
        this.params = params;
        this.target = target;
        this.run = run;
        this.persistent = persistent;
    }

    RunResult execute() throws Exception {
        Topology topo = Topology.of(params, run);
        List<SequenceTracker> trackers = new ArrayList<>();
        for (int i = 0; i < topo.streamPublishers().size(); i++) {
            trackers.add(new SequenceTracker());
        }
        List<BenchClient> clients = new ArrayList<>();
        ProcessSampler broker = null;
        ProcessSampler self = null;
        try {
            int n = 0;
            for (Topology.Sub s : topo.subscribers()) {
                BenchClient c =
                        connect(target.subscriberAddress(n++), s.clientId(), listener(trackers.get(s.stream())));
                clients.add(c);
                c.subscribe(s.filter(), params.qos()).get(SETUP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            }
            if (!target.subscribeTo().isEmpty()) {
                // a cluster: subscriptions reach the publishers' node shortly after SUBACK (docs/cluster.md)
                Thread.sleep(ROUTE_SETTLE_MILLIS);
            }
            List<PublishDriver> drivers = new ArrayList<>();
            double perPublisher = params.rate() / topo.publishers().size();
            for (Topology.Pub p : topo.publishers()) {
                BenchClient c = connect(target.address(), p.clientId(), InboundListener.IGNORE);
                clients.add(c);
                drivers.add(new PublishDriver(
                        c, p.topic(), params.qos(), params.payloadBytes(), p.id(), perPublisher, Long.MAX_VALUE));
            }
            broker = target.hasPid() ? new ProcessSampler(target.pid(), 250) : null;
            self = new ProcessSampler(ProcessHandle.current().pid(), 250);
            long durationNanos = params.duration().toNanos();
            long start = System.nanoTime();
            List<CompletableFuture<PublishDriver.Outcome>> outcomes = new ArrayList<>();
            for (PublishDriver d : drivers) {
                outcomes.add(d.start(durationNanos, DRAIN_NANOS));
            }
            CompletableFuture.allOf(outcomes.toArray(CompletableFuture[]::new))
                    .get(params.duration().toSeconds() + DRAIN_NANOS / 1_000_000_000L + 30, TimeUnit.SECONDS);
            Map<Integer, Long> sent = new HashMap<>();
            long totalSent = 0;
            long acked = 0;
            for (CompletableFuture<PublishDriver.Outcome> f : outcomes) {
                PublishDriver.Outcome o = f.get();
                sent.put(o.publisherId(), o.sent());
                totalSent += o.sent();
                acked += o.acknowledged();
            }
            String drain = awaitQuiet(trackers, topo, sent, start + durationNanos + DRAIN_NANOS);
            ProcessSampler.Usage brokerUsage = broker == null ? null : broker.finish();
            ProcessSampler.Usage selfUsage = self.finish();

            Delivery total = Delivery.empty();
            Histogram latency = SequenceTracker.newHistogram();
            for (int i = 0; i < trackers.size(); i++) {
                Map<Integer, Long> expected = new HashMap<>();
                for (int pub : topo.streamPublishers().get(i)) {
                    expected.put(pub, sent.get(pub));
                }
                total = total.plus(trackers.get(i).delivery(expected));
                trackers.get(i).addLatencyTo(latency);
            }
            double sendRate = totalSent / (durationNanos / 1e9);
            double window = (total.lastNanos() - start) / 1e9;
            double receiveRate = window > 0 ? total.received() / window : 0;
            boolean kept = total.keepsQos(params.qos());
            RunResult.Messaging m = new RunResult.Messaging(
                    params.qos(),
                    totalSent,
                    params.qos() == 0 ? 0 : acked,
                    total,
                    kept,
                    sendRate,
                    receiveRate,
                    Latency.of(latency));
            String note = null;
            if (total.lost() > 0) {
                note = "stopped waiting for the rest: " + drain
                        + (params.qos() == 0 ? "; QoS 0 may drop under overload" : "");
            }
            return new RunResult(
                    params.label(),
                    target.name(),
                    params.toMap(),
                    kept ? "ok" : "qos-violated",
                    note,
                    m,
                    null,
                    brokerUsage,
                    selfUsage);
        } finally {
            if (broker != null) {
                broker.close();
            }
            if (self != null) {
                self.close();
            }
            disconnectAll(clients);
        }
    }

    private BenchClient connect(java.net.InetSocketAddress address, String clientId, InboundListener l)
            throws Exception {
        return BenchClient.connect(transport, address, clientId, l, params.inflight(), !persistent)
                .get(SETUP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    private static InboundListener listener(SequenceTracker tracker) {
        return (payload, qos, now) -> {
            if (Payload.isValid(payload)) {
                tracker.record(
                        Payload.publisherId(payload), Payload.sequence(payload), now - Payload.sendNanos(payload), now);
            } else {
                tracker.recordInvalid();
            }
        };
    }

    /**
     * Waits until every stream has what it expects, or stops growing, or the deadline passes.
     * Returns why it stopped when something is still missing.
     */
    private static String awaitQuiet(
            List<SequenceTracker> trackers, Topology topo, Map<Integer, Long> sent, long deadline)
            throws InterruptedException {
        long expected = 0;
        for (List<Integer> pubs : topo.streamPublishers()) {
            for (int p : pubs) {
                expected += sent.get(p);
            }
        }
        long lastTotal = -1;
        long lastChange = System.nanoTime();
        while (System.nanoTime() < deadline) {
            long total = 0;
            for (SequenceTracker t : trackers) {
                total += t.received();
            }
            if (total >= expected) {
                return "complete";
            }
            long now = System.nanoTime();
            if (total != lastTotal) {
                lastTotal = total;
                lastChange = now;
            } else if (now - lastChange > QUIET_NANOS) {
                return "no delivery for " + QUIET_NANOS / 1_000_000_000L + " s";
            }
            Thread.sleep(20);
        }
        return "drain deadline (" + DRAIN_NANOS / 1_000_000_000L + " s after publishing) passed";
    }

    static void disconnectAll(List<BenchClient> clients) {
        List<CompletableFuture<Void>> closing = new ArrayList<>();
        for (BenchClient c : clients) {
            closing.add(c.disconnect());
        }
        try {
            CompletableFuture.allOf(closing.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // The run's numbers are already taken; a slow close only matters for the next run's baseline.
            LOG.warn("not all {} clients closed within 10 s: {}", clients.size(), e.toString());
        }
    }
}
