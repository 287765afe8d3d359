package io.hookline.broker.session;

import java.util.LinkedHashMap;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The outbound in-flight window of a session under a QoS 1 stream: per message, pick the next
 * free packet id, add, look up and remove on PUBACK (acks lag {@code window} behind). The boxed
 * {@code LinkedHashMap<Integer, Inflight>} Session used before against {@link InflightWindow}.
 * In package {@code io.hookline.broker.session} for the package-private types.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class InflightWindowBenchmark {

    @Param({"20", "100"})
    int window;

    private LinkedHashMap<Integer, Inflight> map;
    private InflightWindow table;
    private int mapLastId;
    private int tableLastId;
    private int mapOldest;
    private int tableOldest;

    @Setup
    public void setUp() {
        map = new LinkedHashMap<>();
        table = new InflightWindow();
        for (int i = 0; i < window; i++) {
            int id = nextMapId();
            map.put(id, new Inflight(id, null, 0));
            id = nextTableId();
            table.add(new Inflight(id, null, 0));
        }
        mapOldest = 1;
        tableOldest = 1;
    }

    private int nextMapId() {
        int id = mapLastId;
        do {
            id = id == 65535 ? 1 : id + 1;
        } while (map.containsKey(id));
        mapLastId = id;
        return id;
    }

    private int nextTableId() {
        int id = tableLastId;
        do {
            id = id == 65535 ? 1 : id + 1;
        } while (table.contains(id));
        tableLastId = id;
        return id;
    }

    @Benchmark
    public Object linkedHashMap() {
        int id = nextMapId();
        map.put(id, new Inflight(id, null, 0));
        int acked = mapOldest;
        mapOldest = acked == 65535 ? 1 : acked + 1;
        Inflight e = map.get(acked);
        map.remove(acked);
        return e;
    }

    @Benchmark
    public Object inflightWindow() {
        int id = nextTableId();
        table.add(new Inflight(id, null, 0));
        int acked = tableOldest;
        tableOldest = acked == 65535 ? 1 : acked + 1;
        Inflight e = table.get(acked);
        table.remove(acked);
        return e;
    }
}
