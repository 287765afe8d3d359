package io.hookline.broker.protocol;

import io.netty.channel.Channel;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
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
    private final Map<String, List<Watcher>> watchers = new ConcurrentHashMap<>();
    private final AtomicInteger active = new AtomicInteger();

    /** A running trace; {@link #close()} stops it. */
    public interface Trace extends AutoCloseable {
        @Override
        void close();
    }

    /** One trace: its client id's clients on {@code mountpoint}, or on every mountpoint when null. */
    private record Watcher(String mountpoint, Consumer<String> sink) {
        boolean sees(String clientMountpoint) {
            return mountpoint == null || mountpoint.equals(clientMountpoint);
        }
    }

    /**
     * Starts watching {@code clientId} on {@code mountpoint} (client ids are per mountpoint; ""
     * is a listener without one, null every mountpoint); lines arrive on network and hook threads.
     */
    public Trace watch(String mountpoint, String clientId, Consumer<String> sink) {
        Watcher watcher = new Watcher(mountpoint, sink);
        watchers.computeIfAbsent(clientId, id -> new CopyOnWriteArrayList<>()).add(watcher);
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
                list.remove(watcher);
                return list.isEmpty() ? null : list;
            });
            active.decrementAndGet();
        };
    }

    /** @return true when someone watches {@code clientId} on any mountpoint; one volatile read when no trace runs */
    public boolean traced(String clientId) {
        return active.get() != 0 && clientId != null && watchers.containsKey(clientId);
    }

    /** @return true when someone watches {@code clientId} on {@code mountpoint} */
    public boolean traced(String mountpoint, String clientId) {
        if (!traced(clientId)) {
            return false;
        }
        List<Watcher> list = watchers.get(clientId);
        if (list != null) {
            for (Watcher w : list) {
                if (w.sees(mountpoint)) {
                    return true;
                }
            }
        }
        return false;
    }

    @Override
    public boolean wants(String mountpoint, String clientId) {
        return traced(mountpoint, clientId);
    }

    /** Sends a line to everyone watching {@code clientId} on {@code mountpoint}. */
    @Override
    public void emit(String mountpoint, String clientId, String line) {
        List<Watcher> list = watchers.get(clientId);
        if (list != null) {
            for (Watcher w : list) {
                if (w.sees(mountpoint)) {
                    w.sink().accept(line);
                }
            }
        }
    }

    /**
     * At an accepted CONNECT, on the channel's event loop: puts the tap in at once, so the
     * CONNACK about to be written is traced, and tells the watchers of the CONNECT itself (read
     * before the client id was known). No-op when nobody watches this client.
     */
    void attachAtConnect(Channel channel, String mountpoint, String clientId, String connect) {
        if (!traced(mountpoint, clientId)
                || channel.pipeline().get(TraceHandler.class) != null
                || channel.pipeline().get("mqtt") == null) {
            return;
        }
        channel.pipeline().addBefore("mqtt", "trace", new TraceHandler(this, mountpoint, clientId));
        emit(mountpoint, clientId, "in  " + connect);
    }

    /**
     * Puts the packet tap into {@code channel}'s pipeline when {@code clientId} is watched on the
     * connection's mountpoint and it is not there yet; any thread (the change runs on the
     * channel's event loop, after CONNECT has settled the mountpoint).
     *
     * @return completes once the tap is in place or not wanted
     */
    public CompletableFuture<Void> attachIfTraced(Channel channel, String clientId) {
        if (!traced(clientId)) {
            return CompletableFuture.completedFuture(null);
        }
        return CompletableFuture.runAsync(
                () -> {
                    MqttConnection connection = channel.pipeline().get(MqttConnection.class);
                    if (channel.isActive()
                            && connection != null
                            && channel.pipeline().get(TraceHandler.class) == null
                            && channel.pipeline().get("mqtt") != null) {
                        String mountpoint = connection.listener().mountpoint();
                        if (traced(mountpoint, clientId)) {
                            channel.pipeline().addBefore("mqtt", "trace", new TraceHandler(this, mountpoint, clientId));
                        }
                    }
                },
                channel.eventLoop());
    }
}
