package io.hookline.bench.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ProcStatTest {
    @Test
    void cpuTimeIsUtimePlusStimeEvenWithSpacesInTheCommandName() {
        String stat = "4242 (my (odd) java) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 30 0 12345 "
                + "1000000 2000 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0";
        long[] cpu = ProcStat.cpuNanos(stat);
        assertEquals(2_500_000_000L, cpu[0]);
        assertEquals(500_000_000L, cpu[1]);
    }

    @Test
    void rssComesFromVmRssInKibibytes() {
        String status = "Name:\tjava\nVmPeak:\t  999 kB\nVmRSS:\t    2048 kB\nThreads:\t30\n";
        assertEquals(2048L * 1024, ProcStat.rssBytes(status));
    }

    @Test
    void machineBusyTimeLeavesOutIdleAndIowait() {
        String stat = "cpu  100 10 50 9000 400 5 6 7 0 0\ncpu0 50 5 25 4500 200 2 3 3 0 0\n";
        assertEquals((100 + 10 + 50 + 5 + 6 + 7) * 10_000_000L, ProcStat.machineBusyNanos(stat));
    }

    @Test
    void openFileLimitIsTheSoftColumnOfMaxOpenFiles() {
        String limits = "Limit                     Soft Limit           Hard Limit           Units     \n"
                + "Max processes             unlimited            unlimited            processes \n"
                + "Max open files            20000                40000                files     \n";
        assertEquals(20000, ProcStat.openFileLimit(limits));
        assertEquals(40000, ProcStat.openFileLimit(limits, 1), "the hard column");
        assertEquals(
                -1,
                ProcStat.openFileLimit("Max open files            unlimited            unlimited            files\n"));
        assertThrows(IllegalArgumentException.class, () -> ProcStat.openFileLimit("Max processes 5 5 processes\n"));
    }

    @Test
    void readingThisProcessWorks() throws Exception {
        ProcStat.Reading r = ProcStat.read(ProcessHandle.current().pid());
        assertTrue(r.rssBytes() > 0);
        assertTrue(r.cpuNanos() > 0);
        assertTrue(ProcStat.openFileLimit(ProcessHandle.current().pid()) != 0);
        long hard = ProcStat.openFileHardLimit(ProcessHandle.current().pid());
        long soft = ProcStat.openFileLimit(ProcessHandle.current().pid());
        assertTrue(hard < 0 || soft >= 0 && soft <= hard, "soft " + soft + " within hard " + hard);
    }
}
