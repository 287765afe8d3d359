package io.hookline.bench.probe;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads a Linux process's CPU time and resident set size from /proc. CPU times in /proc/PID/stat
 * are in clock ticks; USER_HZ is 100 on every mainstream Linux architecture.
 */
public final class ProcStat {
    static final long TICKS_PER_SECOND = 100;

    private ProcStat() {}

    /** One reading: user and system CPU time in nanoseconds, VmRSS in bytes. */
    public record Reading(long userNanos, long systemNanos, long rssBytes) {
        public long cpuNanos() {
            return userNanos + systemNanos;
        }
    }

    public static Reading read(long pid) throws IOException {
        long[] cpu = cpuNanos(Files.readString(Path.of("/proc", Long.toString(pid), "stat")));
        return new Reading(cpu[0], cpu[1], rssBytes(Files.readString(Path.of("/proc", Long.toString(pid), "status"))));
    }

    /** {utime, stime} from the text of /proc/PID/stat, in nanoseconds. */
    static long[] cpuNanos(String stat) {
        // The command name (field 2) is in parentheses and may contain spaces; count after the last ')'.
        int close = stat.lastIndexOf(')');
        if (close < 0) {
            throw new IllegalArgumentException("not a /proc/PID/stat line");
        }
        String[] f = stat.substring(close + 2).trim().split(" ");
        // f[0] is field 3 (state); utime is field 14, stime field 15.
        long tick = 1_000_000_000L / TICKS_PER_SECOND;
        return new long[] {Long.parseLong(f[11]) * tick, Long.parseLong(f[12]) * tick};
    }

    /**
     * CPU time all processes of the machine spent busy (user, nice, system, irq, softirq, steal; not
     * idle or iowait), summed over CPUs, in nanoseconds, from the first line of /proc/stat.
     */
    public static long machineBusyNanos() throws IOException {
        return machineBusyNanos(Files.readString(Path.of("/proc/stat")));
    }

    static long machineBusyNanos(String procStat) {
        String first = procStat.substring(0, procStat.indexOf('\n'));
        String[] f = first.trim().split("\\s+");
        if (!f[0].equals("cpu")) {
            throw new IllegalArgumentException("not /proc/stat");
        }
        long ticks = 0;
        int[] busy = {1, 2, 3, 6, 7, 8}; // user nice system [idle iowait] irq softirq steal
        for (int i : busy) {
            if (i < f.length) {
                ticks += Long.parseLong(f[i]);
            }
        }
        return ticks * (1_000_000_000L / TICKS_PER_SECOND);
    }

    /** The soft "Max open files" limit of a process, from /proc/PID/limits; -1 when unlimited. */
    public static long openFileLimit(long pid) throws IOException {
        return openFileLimit(Files.readString(Path.of("/proc", Long.toString(pid), "limits")));
    }

    static long openFileLimit(String limits) {
        return openFileLimit(limits, 0);
    }

    /** The hard open-file limit of process {@code pid} (the most its soft limit may be raised to); -1 for unlimited. */
    public static long openFileHardLimit(long pid) throws IOException {
        return openFileLimit(Files.readString(Path.of("/proc", Long.toString(pid), "limits")), 1);
    }

    // column 0: soft limit, 1: hard limit
    static long openFileLimit(String limits, int column) {
        for (String line : limits.split("\n")) {
            if (line.startsWith("Max open files")) {
                String value = line.substring("Max open files".length()).trim().split("\\s+")[column];
                return value.equals("unlimited") ? -1 : Long.parseLong(value);
            }
        }
        throw new IllegalArgumentException("no \"Max open files\" line");
    }

    /** VmRSS from the text of /proc/PID/status, in bytes (0 if absent, e.g. a zombie). */
    static long rssBytes(String status) {
        for (String line : status.split("\n")) {
            if (line.startsWith("VmRSS:")) {
                String[] parts = line.substring(6).trim().split("\\s+");
                return Long.parseLong(parts[0]) * 1024;
            }
        }
        return 0;
    }
}
