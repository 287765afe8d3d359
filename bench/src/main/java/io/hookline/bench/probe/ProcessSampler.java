package io.hookline.bench.probe;

import java.io.IOException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Samples one process's CPU time and RSS on a background thread while a scenario runs, and
 * summarises: average CPU (as % of one core, and the part of it spent in the kernel) over the window, RSS at start, peak and end.
 *
 * <p>Thread-safe: the sampling thread and the caller share state under {@code this}.
 */
public final class ProcessSampler implements AutoCloseable {
    private final long pid;
    private final ScheduledExecutorService timer;
    private long startWall;
    private long machineFirst = -1;
    private long machineLast = -1;
    private ProcStat.Reading first;
    private ProcStat.Reading last;
    private long lastWall;
    private long peakRss;
    private int samples;
    private String error;

    /**
     * Summary of a window; all zero with {@code error} set when /proc could not be read.
     * {@code machinePercent} is the whole machine's busy CPU over the same window (100 = one core).
     */
    public record Usage(
            long pid,
            double cpuPercent,
            double cpuSeconds,
            double systemPercent,
            long rssStartBytes,
            long rssPeakBytes,
            long rssEndBytes,
            int samples,
            double machinePercent,
            String error) {}

    public ProcessSampler(long pid, long intervalMillis) {
        this.pid = pid;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "sampler-" + pid);
            t.setDaemon(true);
            return t;
        });
        sample();
        timer.scheduleAtFixedRate(this::sample, intervalMillis, intervalMillis, TimeUnit.MILLISECONDS);
    }

    private synchronized void sample() {
        try {
            ProcStat.Reading r = ProcStat.read(pid);
            long machine = ProcStat.machineBusyNanos();
            long now = System.nanoTime();
            if (first == null) {
                first = r;
                startWall = now;
                machineFirst = machine;
            }
            machineLast = machine;
            last = r;
            lastWall = now;
            peakRss = Math.max(peakRss, r.rssBytes());
            samples++;
        } catch (IOException | RuntimeException e) {
            error = "cannot read /proc/" + pid + ": " + e;
        }
    }

    /** Takes a last sample, stops the thread and summarises. */
    public synchronized Usage finish() {
        timer.shutdownNow();
        sample();
        if (first == null) {
            return new Usage(pid, 0, 0, 0, 0, 0, 0, 0, 0, error);
        }
        double wall = (lastWall - startWall) / 1e9;
        double cpu = (last.cpuNanos() - first.cpuNanos()) / 1e9;
        double sys = (last.systemNanos() - first.systemNanos()) / 1e9;
        double pct = wall > 0 ? 100.0 * cpu / wall : 0;
        double sysPct = wall > 0 ? 100.0 * sys / wall : 0;
        double machinePct = wall > 0 ? 100.0 * (machineLast - machineFirst) / 1e9 / wall : 0;
        return new Usage(pid, pct, cpu, sysPct, first.rssBytes(), peakRss, last.rssBytes(), samples, machinePct, error);
    }

    /** The current RSS, read now. */
    public static long rssNow(long pid) throws IOException {
        return ProcStat.read(pid).rssBytes();
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
