package io.hookline.broker.protocol;

import io.hookline.broker.util.Scheduler;
import io.netty.channel.Channel;
import io.netty.util.concurrent.EventExecutor;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * One connection's keep-alive timer (1.5 x the client's keep alive): a client that sent nothing for
 * that long is gone, and the connection is told ({@link MqttConnection#keepAliveExpired}), once. Time we did not read
 * from it (a hook window, max_message_rate, a throttle answer, a congested subscriber:
 * {@link ReadPause#excusesSilence}) does not count: its PINGREQs are waiting in the socket. Such a
 * silence is looked at again one period later, so a client that died meanwhile is still caught, at
 * most one period late. Runs on the broker's injected time ({@link BrokerContext#scheduler}).
 *
 * <p>Not a pipeline stage and no task of its own: {@link MqttConnection} tells it of reads, and the
 * connection's event loop keeps every keep-alive of its channels in one {@link Timers} (a heap by
 * deadline, one scheduled task at the earliest). An idle connection's keep-alive is this object
 * and a heap slot (about 50 B), where a handler, its context and a scheduled task per channel
 * held about 200 B. Confined to the channel's event loop.
 */
final class KeepAlive {

    private final Timers timers;
    private final MqttConnection connection;
    private final int timeoutMillis; // an int, not nanos in a long: 48 B an object, not 56
    private long lastReadNanos;
    private long deadline; // when to look next, on the timers' time
    private int index = -1; // in the timers' heap; -1 when not in it
    private boolean reading;

    private KeepAlive(Timers timers, MqttConnection connection, long timeoutMillis) {
        this.timers = timers;
        this.connection = connection;
        this.timeoutMillis = (int) Math.min(Integer.MAX_VALUE, timeoutMillis);
    }

    /** Starts watching {@code connection} (active, its CONNECT accepted); call on its event loop. */
    static KeepAlive start(MqttConnection connection, long timeoutMillis) {
        KeepAlive k =
                new KeepAlive(connection.broker.keepAliveTimers(connection.ctx.executor()), connection, timeoutMillis);
        k.lastReadNanos = k.timers.time.nanoTime();
        k.deadline = k.lastReadNanos + k.timeoutNanos();
        k.timers.add(k);
        return k;
    }

    private long timeoutNanos() {
        return timeoutMillis * 1_000_000L;
    }

    /** A packet is being read: the client is alive. */
    void read() {
        reading = true;
    }

    /** The socket was read to its end for now. */
    void readComplete() {
        reading = false;
        lastReadNanos = timers.time.nanoTime();
    }

    /** The connection closed: no more checks. */
    void stop() {
        timers.remove(this);
    }

    /**
     * At the deadline: the next deadline, or {@link Long#MIN_VALUE} once the client is found silent
     * (the event has fired; no check follows).
     */
    private long check(long now) {
        Channel channel = connection.ctx.channel();
        if (!channel.isOpen()) {
            return Long.MIN_VALUE;
        }
        long timeoutNanos = timeoutNanos();
        long left = reading ? timeoutNanos : timeoutNanos - (now - lastReadNanos);
        if (left > 0) {
            return now + left;
        }
        ReadPause pause = ReadPause.peek(channel);
        if (pause != null && pause.excusesSilence(timeoutNanos, now)) {
            return now + timeoutNanos; // our pause, not the client's silence: look again one period later
        }
        // once: the connection closes on this event, but the DISCONNECT's linger keeps the channel
        // open a while, and a second event would count a second keep-alive timeout
        connection.keepAliveExpired();
        return Long.MIN_VALUE;
    }

    /**
     * The keep-alives of one event loop's connections: a binary min-heap by deadline, and one task
     * on the loop at the earliest deadline (set only while the heap is not empty). A check that
     * finds the client alive moves it to its next deadline; reads only note the time, so a busy
     * connection costs the heap nothing between deadlines. Confined to its event loop.
     */
    static final class Timers implements Runnable {
        private final EventExecutor loop;
        private final Scheduler time;
        private KeepAlive[] heap = new KeepAlive[16];
        private int size;
        private Scheduler.Task task; // the one task, or null
        private long taskAt; // its deadline while task is set

        Timers(EventExecutor loop, Scheduler time) {
            this.loop = loop;
            this.time = time;
        }

        /** The timers of each event loop, made at its first keep-alive; thread-safe. */
        static final class PerLoop {
            private final Scheduler time;
            private final Map<EventExecutor, Timers> byLoop = new ConcurrentHashMap<>();

            PerLoop(Scheduler time) {
                this.time = time;
            }

            Timers of(EventExecutor loop) {
                return byLoop.computeIfAbsent(loop, l -> new Timers(l, time));
            }

            /** Keep-alives watched on every loop, each counted on its own loop; for tests and diagnostics. */
            int watched() throws Exception {
                int n = 0;
                for (Timers t : byLoop.values()) {
                    n += t.loop.submit(t::size).get(10, TimeUnit.SECONDS);
                }
                return n;
            }
        }

        /** Keep-alives in the heap; event loop only. */
        int size() {
            return size;
        }

        private void add(KeepAlive k) {
            if (size == heap.length) {
                heap = Arrays.copyOf(heap, size * 2);
            }
            k.index = size;
            heap[size++] = k;
            up(k.index);
            arm();
        }

        private void remove(KeepAlive k) {
            int i = k.index;
            if (i < 0) {
                return;
            }
            k.index = -1;
            KeepAlive last = heap[--size];
            heap[size] = null;
            if (i < size) {
                heap[i] = last;
                last.index = i;
                down(i);
                up(last.index);
            }
            if (size == 0 && task != null) {
                task.cancel();
                task = null;
            }
            if (heap.length > 64 && size < heap.length / 4) {
                heap = Arrays.copyOf(heap, heap.length / 2); // 100,000 clients gone: not 400 KB kept for nothing
            }
        }

        /** Every keep-alive due by now, in deadline order; then the task for the next one. */
        @Override
        public void run() {
            task = null;
            long now = time.nanoTime();
            while (size > 0 && heap[0].deadline - now <= 0) {
                KeepAlive k = heap[0];
                long next = k.check(now);
                if (k.index != 0) {
                    continue; // the check closed it and it left the heap (or moved) meanwhile
                }
                if (next == Long.MIN_VALUE) {
                    remove(k);
                } else {
                    k.deadline = next;
                    down(0);
                }
            }
            arm();
        }

        // the task at the earliest deadline: set when none is, moved when an earlier one came
        private void arm() {
            if (size == 0) {
                return;
            }
            long first = heap[0].deadline;
            if (task != null) {
                if (first - taskAt >= 0) {
                    return;
                }
                task.cancel();
            }
            taskAt = first;
            task = time.schedule(loop, this, Math.max(0, first - time.nanoTime()), TimeUnit.NANOSECONDS);
        }

        private void up(int i) {
            KeepAlive k = heap[i];
            while (i > 0) {
                int parent = (i - 1) >>> 1;
                KeepAlive p = heap[parent];
                if (p.deadline - k.deadline <= 0) {
                    break;
                }
                heap[i] = p;
                p.index = i;
                i = parent;
            }
            heap[i] = k;
            k.index = i;
        }

        private void down(int i) {
            KeepAlive k = heap[i];
            int half = size >>> 1;
            while (i < half) {
                int child = 2 * i + 1;
                KeepAlive c = heap[child];
                int right = child + 1;
                if (right < size && heap[right].deadline - c.deadline < 0) {
                    child = right;
                    c = heap[child];
                }
                if (k.deadline - c.deadline <= 0) {
                    break;
                }
                heap[i] = c;
                c.index = i;
                i = child;
            }
            heap[i] = k;
            k.index = i;
        }
    }
}
