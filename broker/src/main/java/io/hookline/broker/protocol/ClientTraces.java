package io.hookline.broker.protocol;

import io.netty.channel.Channel;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Who is watching which client ({@code admin trace client}): packets in and out of its
 * connection and its hook calls go to every watcher as text lines. Costs one volatile read per
 * check while nobody traces anything. Thread-safe: concurrent map of copy-on-write lists.
 */
public final class ClientTraces implements io.hookline.broker.hooks.HookTap {
    private final Map<String, List<Consumer<String>>> watchers = new ConcurrentHashMap<>();
    private final AtomicInteger active = new AtomicInteger();

    /** A running trace; {@link #close()} stops it. */
    public interface Trace extends AutoCloseable {
        @Override
        void close();
    }

    /** Starts watching {@code clientId}; lines arrive on network and hook threads. */
    public Trace watch(String clientId, Consumer<String> sink) {
        watchers.computeIfAbsent(clientId, id -> new CopyOnWriteArrayList<>()).add(sink);
        active.incrementAndGet();
        boolean[] closed = new boolean[1];
        return () -> {
            synchronized (closed) {
                if (closed[0]) {
                    return;
                }
                closed[0] = true;
            }
            watchers.computeIfPresent(clientId, (id, list) -> {
                list.remove(sink);
                return list.isEmpty() ? null : list;
            });
            active.decrementAndGet();
        };
    }

    /** @return true when someone watches {@code clientId}; one volatile read when no trace runs */
    public boolean traced(String clientId) {
        return active.get() != 0 && clientId != null && watchers.containsKey(clientId);
    }

    @Override
    public boolean wants(String clientId) {
        return traced(clientId);
    }

    /** Sends a line to everyone watching {@code clientId}. */
    @Override
    public void emit(String clientId, String line) {
        List<Consumer<String>> list = watchers.get(clientId);
        if (list != null) {
            for (Consumer<String> sink : list) {
                sink.accept(line);
            }
        }
    }

    /**
     * Puts the packet tap into {@code channel}'s pipeline when {@code clientId} is watched and it
     * is not there yet; any thread (the change runs on the channel's event loop).
     */
    public void attachIfTraced(Channel channel, String clientId) {
        if (!traced(clientId)) {
            return;
        }
        channel.eventLoop().execute(() -> {
            if (channel.isActive() && channel.pipeline().get(TraceHandler.class) == null
                    && channel.pipeline().get("mqtt") != null) {
                channel.pipeline().addBefore("mqtt", "trace", new TraceHandler(this, clientId));
            }
        });
    }
}
