package io.hookline.plugin.webhooks;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.NetUtil;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import io.netty.util.internal.ThreadExecutorMap;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.HttpUrl;

/**
 * Non-blocking HTTP/1.1 for {@code http://} endpoints (the default client): keep-alive
 * connections, one request at a time per connection, no thread per call and no thread hop per
 * call. A call started on one of the broker's event loops (a hook raised for a client) runs on
 * that loop: its connection is registered there, its request written and its answer read there,
 * so the answer completes the hook where the broker applies it. Calls from any other thread go to
 * the plugin's own loops ({@code webhooks-io}, one per CPU; each endpoint has a home loop among
 * them). Nothing here blocks a loop: new connections resolve their host on a small blocking pool
 * ({@code webhooks-dns}, skipped for IP literals), and every call has its deadline on its loop.
 * The plugin's one instance serves every endpoint.
 *
 * <p>Thread-safety: a connection, the idle connections of an endpoint on one loop, and a call's
 * state are each touched only on their loop; {@link Transport.Exchange#start} and {@link
 * Transport.Exchange#cancel} run in place on that loop and hand over to it from elsewhere. The
 * per-endpoint list of loops is copy-on-write.
 */
final class NettyHttpClient implements AutoCloseable {
    /** Idle keep-alive connections are closed after this long (as OkHttp's pool does). */
    static final int IDLE_SECONDS = 300;

    private static final byte[] USER_AGENT = "user-agent: hookline-webhooks\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] FRAMING =
            "content-type: application/json\r\ncontent-length: ".getBytes(StandardCharsets.US_ASCII);

    private final EventLoopGroup group;
    private final boolean epoll;
    private final ExecutorService dns;
    // every open connection, on our loops or the broker's: close() closes them all
    private final ChannelGroup open = new DefaultChannelGroup("webhooks", GlobalEventExecutor.INSTANCE);
    private volatile boolean closed;

    NettyHttpClient() {
        epoll = Epoll.isAvailable();
        DefaultThreadFactory io = new DefaultThreadFactory("webhooks-io", true);
        // threads start on first use: a broker whose hooks run on its own loops never starts them
        int n = Math.max(1, Runtime.getRuntime().availableProcessors());
        group = epoll ? new EpollEventLoopGroup(n, io) : new NioEventLoopGroup(n, io);
        AtomicInteger count = new AtomicInteger();
        ThreadPoolExecutor lookups =
                new ThreadPoolExecutor(4, 4, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "webhooks-dns-" + count.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        lookups.allowCoreThreadTimeOut(true);
        dns = lookups;
    }

    /**
     * @param url an {@code http://} URL
     * @param maxIdle idle connections kept at most per loop (the endpoint's calls in flight bound the rest)
     */
    Transport endpoint(String url, int maxIdle) {
        return new Pool(HttpUrl.get(url), maxIdle);
    }

    /** Closes every connection; calls still under way fail. */
    @Override
    public void close() {
        closed = true;
        open.close();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        dns.shutdown();
    }

    /**
     * The socket channel type {@code loop} registers, or null when we cannot run on it (another
     * transport than ours).
     */
    private Class<? extends SocketChannel> channelType(EventExecutor loop) {
        Object parent = loop.parent();
        if (parent instanceof EpollEventLoopGroup) {
            return epoll ? EpollSocketChannel.class : null;
        }
        if (parent instanceof NioEventLoopGroup) {
            return NioSocketChannel.class;
        }
        return null;
    }

    /** One endpoint: where to connect, what to send, its connections per loop. */
    final class Pool implements Transport {
        private final EventLoop home = group.next();
        private final String host;
        private final int port;
        private final byte[] requestLine; // the same on every call
        private final byte[] hostLine;
        private final int maxIdle;
        // copy-on-write: the loops that called this endpoint so far, each with its idle connections
        private volatile OnLoop[] loops = new OnLoop[0];

        Pool(HttpUrl url, int maxIdle) {
            this.host = url.host();
            this.port = url.port();
            String hostHeader = (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + (port == 80 ? "" : ":" + port);
            String query = url.encodedQuery();
            String target = url.encodedPath() + (query == null ? "" : "?" + query);
            this.requestLine = ("POST " + target + " HTTP/1.1\r\n").getBytes(StandardCharsets.US_ASCII);
            this.hostLine = ("host: " + hostHeader + "\r\n").getBytes(StandardCharsets.US_ASCII);
            this.maxIdle = maxIdle;
        }

        @Override
        public Transport.Exchange open(Post post, long timeoutNanos) {
            return new NettyCall(onLoop(), post, timeoutNanos);
        }

        /** The calling thread's loop when it is a loop we can register on, else our home loop. */
        private OnLoop onLoop() {
            EventExecutor current = ThreadExecutorMap.currentExecutor();
            EventLoop loop = home;
            Class<? extends SocketChannel> type = null;
            if (current instanceof EventLoop l && (type = channelType(l)) != null) {
                loop = l;
            } else {
                type = channelType(home);
            }
            for (OnLoop o : loops) {
                if (o.loop == loop) {
                    return o;
                }
            }
            synchronized (this) {
                for (OnLoop o : loops) {
                    if (o.loop == loop) {
                        return o;
                    }
                }
                OnLoop o = new OnLoop(this, loop, type);
                OnLoop[] grown = java.util.Arrays.copyOf(loops, loops.length + 1);
                grown[loops.length] = o;
                loops = grown;
                return o;
            }
        }

        /**
         * @return the whole request in one buffer: request line, headers (a configured host or
         *     user-agent replaces ours; the framing headers are always ours), body
         */
        ByteBuf request(ByteBufAllocator alloc, Post post) {
            byte[] body = post.body();
            List<String> extra = post.headers();
            int size = requestLine.length + hostLine.length + body.length + 96;
            for (int i = 0; i < extra.size(); i += 2) {
                size += extra.get(i).length() + extra.get(i + 1).length() + 4;
            }
            ByteBuf b = alloc.buffer(size);
            try {
                b.writeBytes(requestLine);
                boolean host = false;
                boolean agent = false;
                for (int i = 0; i < extra.size(); i += 2) {
                    String name = extra.get(i);
                    String value = extra.get(i + 1);
                    checkHeader(name, value);
                    if (name.equalsIgnoreCase("content-type")
                            || name.equalsIgnoreCase("content-length")
                            || name.equalsIgnoreCase("transfer-encoding")) {
                        continue;
                    }
                    host |= name.equalsIgnoreCase("host");
                    agent |= name.equalsIgnoreCase("user-agent");
                    b.writeCharSequence(name, StandardCharsets.US_ASCII);
                    b.writeByte(':').writeByte(' ');
                    b.writeCharSequence(value, StandardCharsets.ISO_8859_1);
                    b.writeByte('\r').writeByte('\n');
                }
                if (!host) {
                    b.writeBytes(hostLine);
                }
                if (!agent) {
                    b.writeBytes(USER_AGENT);
                }
                b.writeBytes(FRAMING);
                b.writeCharSequence(Integer.toString(body.length), StandardCharsets.US_ASCII);
                b.writeByte('\r').writeByte('\n').writeByte('\r').writeByte('\n');
                b.writeBytes(body);
                return b;
            } catch (RuntimeException e) {
                b.release();
                throw e;
            }
        }

        /** Resolves the host off the loop (in place for an IP literal), then connects on {@code on}'s loop. */
        void connect(OnLoop on, NettyCall call) {
            if (closed) {
                call.unreachable(new IllegalStateException("webhooks stopped"));
                return;
            }
            byte[] literal = NetUtil.createByteArrayFromIpAddressString(host);
            if (literal != null) {
                try {
                    on.connect(call, new InetSocketAddress(InetAddress.getByAddress(host, literal), port));
                } catch (UnknownHostException impossible) {
                    call.unreachable(impossible);
                }
                return;
            }
            try {
                dns.execute(() -> {
                    Runnable next;
                    try {
                        InetSocketAddress address = new InetSocketAddress(InetAddress.getByName(host), port);
                        next = () -> on.connect(call, address);
                    } catch (UnknownHostException e) {
                        next = () -> call.unreachable(e);
                    }
                    try {
                        on.loop.execute(next);
                    } catch (RejectedExecutionException stopped) {
                        // the loop is gone (broker or plugin stopped): its calls failed as it closed
                    }
                });
            } catch (RejectedExecutionException stopped) {
                call.unreachable(stopped);
            }
        }
    }

    /**
     * A header as given (by broker.conf or the Java API) must not break the request's framing:
     * a name is an HTTP token, a value has no line break or NUL.
     */
    static void checkHeader(String name, String value) {
        if (name.isEmpty()) {
            throw new IllegalArgumentException("empty header name");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c <= ' ' || c >= 127 || "()<>@,;:\\\"/[]?={}".indexOf(c) >= 0) {
                throw new IllegalArgumentException("header name '" + name + "' has a forbidden character");
            }
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\r' || c == '\n' || c == 0 || c > 255) {
                throw new IllegalArgumentException("header value of '" + name + "' has a forbidden character");
            }
        }
    }

    /** An endpoint's connections on one loop. Everything but the constructor runs on {@link #loop}. */
    final class OnLoop {
        final Pool pool;
        final EventLoop loop;
        private final Bootstrap connector;
        private final ArrayDeque<Channel> idle = new ArrayDeque<>(); // most recently used last
        // the calls under way on this loop, oldest first (an intrusive list: O(1) in and out), and
        // one sweep armed at the earliest deadline among them instead of a timer per call
        private NettyCall first;
        private NettyCall last;
        private ScheduledFuture<?> sweep;
        private long sweepAt;

        OnLoop(Pool pool, EventLoop loop, Class<? extends SocketChannel> type) {
            this.pool = pool;
            this.loop = loop;
            this.connector = new Bootstrap()
                    .group(loop)
                    .channel(type)
                    // a request over one segment must not wait for the endpoint's delayed ACK
                    .option(ChannelOption.TCP_NODELAY, true)
                    .handler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline()
                                    .addLast(new IdleStateHandler(0, 0, IDLE_SECONDS))
                                    .addLast(new NettyCall.Conversation());
                        }
                    });
        }

        boolean closed() {
            return closed;
        }

        /** {@code call} is under way until {@link #unwatch}: the sweep times it out at its deadline. */
        void watch(NettyCall call) {
            call.watched = true;
            call.previous = last;
            call.next = null;
            if (last == null) {
                first = call;
            } else {
                last.next = call;
            }
            last = call;
            if (sweep == null || call.deadlineNanos - sweepAt < 0) {
                arm(call.deadlineNanos);
            }
        }

        void unwatch(NettyCall call) {
            if (!call.watched) {
                return;
            }
            call.watched = false;
            if (call.previous == null) {
                first = call.next;
            } else {
                call.previous.next = call.next;
            }
            if (call.next == null) {
                last = call.previous;
            } else {
                call.next.previous = call.previous;
            }
            call.previous = null;
            call.next = null;
            // the sweep stays armed: it finds nothing or re-arms, so a busy loop arms about once per budget
        }

        private void arm(long at) {
            if (sweep != null) {
                sweep.cancel(false);
            }
            sweepAt = at;
            sweep = loop.schedule(this::sweep, Math.max(0, at - System.nanoTime()), TimeUnit.NANOSECONDS);
        }

        /** Times out every call whose deadline passed; armed again for the earliest of the rest. */
        private void sweep() {
            sweep = null;
            long now = System.nanoTime();
            List<NettyCall> expired = null;
            for (NettyCall c = first; c != null; c = c.next) {
                if (c.deadlineNanos - now <= 0) {
                    if (expired == null) {
                        expired = new ArrayList<>();
                    }
                    expired.add(c);
                }
            }
            if (expired != null) {
                // their callbacks may start or end other calls on this loop: the list is walked again below
                expired.forEach(NettyCall::timedOut);
            }
            NettyCall earliest = first;
            for (NettyCall c = first; c != null; c = c.next) {
                if (c.deadlineNanos - earliest.deadlineNanos < 0) {
                    earliest = c;
                }
            }
            if (earliest != null && (sweep == null || earliest.deadlineNanos - sweepAt < 0)) {
                arm(earliest.deadlineNanos);
            }
        }

        /** A connection for {@code call}: the most recently used idle one, or a new one. */
        void acquire(NettyCall call, boolean fresh) {
            Channel ch;
            while (!fresh && (ch = idle.pollLast()) != null) {
                if (ch.isActive()) {
                    call.send(ch);
                    return;
                }
            }
            pool.connect(this, call);
        }

        private void connect(NettyCall call, InetSocketAddress address) {
            if (call.finished) {
                return; // timed out or given up while the name was looked up
            }
            long left = Math.max(1, TimeUnit.NANOSECONDS.toMillis(call.deadlineNanos - System.nanoTime()));
            ChannelFuture f = connector
                    .clone()
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, left))
                    .connect(address);
            open.add(f.channel());
            f.addListener(done -> {
                if (!done.isSuccess()) {
                    call.unreachable(done.cause());
                } else if (closed) {
                    f.channel().close();
                    call.unreachable(new IllegalStateException("webhooks stopped"));
                } else if (call.finished) {
                    release(f.channel(), true); // the call ended meanwhile; the connection is sound
                } else {
                    call.send(f.channel());
                }
            });
        }

        /** A connection whose exchange is over: kept for the next call, or closed. */
        void release(Channel ch, boolean keepAlive) {
            if (keepAlive && !closed && ch.isActive() && idle.size() < pool.maxIdle) {
                idle.addLast(ch);
            } else {
                ch.close();
            }
        }
    }
}
