package io.hookline.bench.scenario;

import io.hookline.bench.client.BenchClient;
import io.hookline.bench.client.InboundListener;
import io.hookline.bench.client.Transport;
import io.hookline.bench.probe.ProcStat;
import io.hookline.bench.probe.ProcessSampler;
import io.hookline.bench.report.Latency;
import io.hookline.bench.report.RunResult;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * Connects N idle clients (CONNECT only, clean session, no subscriptions, a keep alive of
 * {@value #KEEP_ALIVE_SECONDS} s as real clients send one) with a bounded number of handshakes in
 * flight, lets the broker settle (at N/2 and at N RSS is read once it stopped moving; the connect
 * rate leaves that wait out), and reports its RSS growth per connection: over the whole ramp,
 * and over its second half (from N/2 clients held to N), which leaves out what the first
 * connections cost once (the JIT compiling the connect path, the first touch of the heap) and is
 * the figure that extrapolates to larger counts. More than 20,000 clients come from several
 * loopback source addresses ({@link BenchClient#loopbackSource}: one address has 28,232 ephemeral
 * ports by default). Where the open-file limit is too low for N the run is skipped and says so.
 * Not thread-safe; one run at a time.
 */
final class ConnectionRamp {
    /** CONNECTs awaiting CONNACK at once; enough to ramp fast without a SYN flood on loopback. */
    private static final int CONCURRENT_HANDSHAKES = 200;

    /**
     * After the ramp, RSS is read once it stopped moving: within {@value #SETTLE_BYTES} bytes over
     * {@value #SETTLE_SAMPLES} one-second samples (at most {@value #SETTLE_MAX_SECONDS} s). That
     * spans a JVM's release of its compilers' scratch memory (its chunk pool is cleaned every 5 s)
     * and the next native heap trim (bin/broker: every second); a fixed 2 s read that memory while
     * a burst of compiling still held it, 1-1.5 KiB per connection at 10,000.
     */
    private static final int SETTLE_SAMPLES = 7;

    private static final long SETTLE_BYTES = 64 * 1024;
    private static final int SETTLE_MAX_SECONDS = 45;
    /** Descriptors beyond the connections, at least: the broker keeps a tenth of its limit for other files. */
    private static final int FILE_RESERVE = 2048;

    private static final long RAMP_TIMEOUT_SECONDS = 300;

    /**
     * The clients' keep alive: long enough that the broker never closes them during a ramp (they
     * send no PINGREQ), and like real clients it makes the broker watch each one.
     */
    static final int KEEP_ALIVE_SECONDS = 600;

    private final Transport transport;
    private final ScenarioParams params;
    private final Target target;
    private final String run;

    ConnectionRamp(Transport transport, ScenarioParams params, Target target, String run) {
        this.transport = transport;
        this.params = params;
        this.target = target;
        this.run = run;
    }

    /**
     * Why {@code n} connections cannot be opened (the broker's or this process's open-file limit
     * is below {@code n} plus a reserve), or null when they can. Each connection is a descriptor
     * on both sides; bench/run-all raises the limits where it may ({@code ulimit -n}).
     */
    private String openFilesShort(int n) throws IOException {
        long need = Math.max(n + (long) FILE_RESERVE, n * 10L / 9 + 1);
        long broker = ProcStat.openFileLimit(target.pid());
        long self = ProcStat.openFileLimit(ProcessHandle.current().pid());
        String clients = n % 1000 == 0 ? n / 1000 + "k" : Integer.toString(n);
        if (broker >= 0 && broker < need) {
            return "fd limit " + broker + " of the broker (hard " + limit(ProcStat.openFileHardLimit(target.pid()))
                    + ") < " + need + " = " + clients + " clients + reserve; raise the hard limit (ulimit -Hn as root,"
                    + " LimitNOFILE=)";
        }
        if (self >= 0 && self < need) {
            return "fd limit " + self + " of the generator (hard "
                    + limit(ProcStat.openFileHardLimit(ProcessHandle.current().pid())) + ") < " + need + " = "
                    + clients + " clients + reserve; raise the hard limit (ulimit -Hn as root)";
        }
        return null;
    }

    /** The broker's RSS once it stopped moving (see {@link #SETTLE_SAMPLES}), or the last reading. */
    private long settledRss() throws IOException, InterruptedException {
        long[] samples = new long[SETTLE_SAMPLES];
        long rss = 0;
        for (int i = 0; i < SETTLE_MAX_SECONDS; i++) {
            Thread.sleep(1000);
            rss = ProcStat.read(target.pid()).rssBytes();
            samples[i % SETTLE_SAMPLES] = rss;
            if (i + 1 >= SETTLE_SAMPLES) {
                long min = Long.MAX_VALUE;
                long max = Long.MIN_VALUE;
                for (long r : samples) {
                    min = Math.min(min, r);
                    max = Math.max(max, r);
                }
                if (max - min < SETTLE_BYTES) {
                    return rss;
                }
            }
        }
        return rss; // still moving after SETTLE_MAX_SECONDS: the last reading
    }

    private static String limit(long files) {
        return files < 0 ? "unlimited" : Long.toString(files);
    }

    RunResult execute() throws Exception {
        if (!target.hasPid()) {
            return RunResult.notAvailable(
                    params.label(),
                    target.name(),
                    params.toMap(),
                    "needs the broker's pid (NAME=HOST:PORT@PID) to read its RSS");
        }
        String tooFew = openFilesShort(params.connections());
        if (tooFew != null) {
            return RunResult.skipped(params.label(), target.name(), params.toMap(), tooFew);
        }
        long rssBefore = ProcStat.read(target.pid()).rssBytes();
        ProcessSampler broker = new ProcessSampler(target.pid(), 250);
        ProcessSampler self = new ProcessSampler(ProcessHandle.current().pid(), 250);
        List<BenchClient> clients = Collections.synchronizedList(new ArrayList<>());
        Histogram connack = new Histogram(1, 60_000_000L, 3);
        Semaphore window = new Semaphore(CONCURRENT_HANDSHAKES);
        int[] failed = {0};
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(RAMP_TIMEOUT_SECONDS);
        long start = System.nanoTime();
        int half = params.connections() / 2;
        int connectedAtHalf = 0;
        long rssAtHalf = 0;
        long settling = 0;
        try {
            for (int i = 0; i < params.connections() && System.nanoTime() < deadline; i++) {
                if (i == half && half > 0) { // every handshake of the first half done: the checkpoint
                    if (!window.tryAcquire(CONCURRENT_HANDSHAKES, RAMP_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                        break;
                    }
                    connectedAtHalf = clients.size();
                    long settleStart = System.nanoTime();
                    rssAtHalf = settledRss(); // settled like the end: both ends of the second half alike
                    settling = System.nanoTime() - settleStart; // not part of the connect rate
                    window.release(CONCURRENT_HANDSHAKES);
                }
                if (!window.tryAcquire(RAMP_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                    break;
                }
                long t0 = System.nanoTime();
                CompletableFuture<BenchClient> f = BenchClient.connect(
                        transport,
                        target.address(),
                        BenchClient.loopbackSource(target.address(), i, params.connections()),
                        run + "-idle-" + i,
                        InboundListener.IGNORE,
                        1,
                        true,
                        KEEP_ALIVE_SECONDS);
                f.whenComplete((c, err) -> {
                    if (err == null) {
                        clients.add(c);
                        synchronized (connack) {
                            connack.recordValue(Math.max(1, (System.nanoTime() - t0) / 1000));
                        }
                    } else {
                        synchronized (failed) {
                            failed[0]++;
                        }
                    }
                    window.release();
                });
            }
            window.tryAcquire(CONCURRENT_HANDSHAKES, RAMP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            double seconds = (System.nanoTime() - start - settling) / 1e9;
            long rssAfter = settledRss();
            ProcessSampler.Usage brokerUsage = broker.finish();
            ProcessSampler.Usage selfUsage = self.finish();
            int connected = clients.size();
            int failures;
            synchronized (failed) {
                failures = failed[0];
            }
            Latency latency;
            synchronized (connack) {
                latency = Latency.of(connack);
            }
            RunResult.Ramp ramp = new RunResult.Ramp(
                    params.connections(),
                    connected,
                    failures,
                    seconds,
                    connected / seconds,
                    rssBefore,
                    rssAfter,
                    latency,
                    connectedAtHalf,
                    rssAtHalf);
            String status = connected == params.connections() ? "ok" : "failed";
            String note = connected == params.connections()
                    ? null
                    : (params.connections() - connected) + " clients did not connect";
            return new RunResult(
                    params.label(), target.name(), params.toMap(), status, note, null, ramp, brokerUsage, selfUsage);
        } catch (IOException e) {
            return RunResult.failed(params.label(), target.name(), params.toMap(), "cannot read broker RSS: " + e);
        } finally {
            broker.close();
            self.close();
            List<BenchClient> all;
            synchronized (clients) {
                all = new ArrayList<>(clients);
            }
            MessagingRun.disconnectAll(all);
        }
    }
}
