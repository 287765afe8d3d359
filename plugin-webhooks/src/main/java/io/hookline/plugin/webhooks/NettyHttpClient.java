package io.hookline.plugin.webhooks;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.HttpUrl;

/**
 * Non-blocking HTTP/1.1 for {@code http://} endpoints: keep-alive connections on one Netty event
 * loop of the plugin's own ({@code webhooks-io}), one request at a time per connection, no thread
 * per call. Answers are read and handed on from that loop, many per wake-up under load. New
 * connections resolve their host on a small blocking pool ({@code webhooks-dns}), never on the
 * loop. The plugin's one instance serves every endpoint.
 *
 * <p>Thread-safety: each endpoint's idle connections and each call's state are touched only on
 * the loop; {@link Exchange#start} and {@link Exchange#cancel} hand over to it.
 */
final class NettyHttpClient implements AutoCloseable {
    /** Idle keep-alive connections are closed after this long (as OkHttp's pool does). */
    static final int IDLE_SECONDS = 300;

    private static final AsciiString JSON = AsciiString.cached("application/json");
    private static final AsciiString USER_AGENT = AsciiString.cached("hookline-webhooks");

    private final EventLoopGroup group;
    private final Bootstrap bootstrap;
    private final ExecutorService dns;

    NettyHttpClient() {
        boolean epoll = Epoll.isAvailable();
        DefaultThreadFactory io = new DefaultThreadFactory("webhooks-io", true);
        group = epoll ? new EpollEventLoopGroup(1, io) : new NioEventLoopGroup(1, io);
        bootstrap = new Bootstrap()
                .group(group)
                .channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
                // a request body over one segment must not wait for the endpoint's delayed ACK
                .option(ChannelOption.TCP_NODELAY, true);
        AtomicInteger n = new AtomicInteger();
        ThreadPoolExecutor lookups =
                new ThreadPoolExecutor(4, 4, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "webhooks-dns-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        lookups.allowCoreThreadTimeOut(true);
        dns = lookups;
    }

    /**
     * @param url an {@code http://} URL
     * @param maxIdle idle connections kept at most (the endpoint's calls in flight bound the rest)
     */
    Transport endpoint(String url, int maxIdle) {
        return new Pool(HttpUrl.get(url), maxIdle);
    }

    /** Closes every connection; calls still under way fail. */
    @Override
    public void close() {
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        dns.shutdown();
    }

    /** One endpoint: where to connect, what to send, its idle connections. State on the loop only. */
    private final class Pool implements Transport {
        private final EventLoop loop = group.next();
        private final Bootstrap connector;
        private final String host;
        private final int port;
        private final String hostHeader;
        private final String target;
        private final int maxIdle;
        private final ArrayDeque<Channel> idle = new ArrayDeque<>(); // loop only; most recent last

        Pool(HttpUrl url, int maxIdle) {
            this.host = url.host();
            this.port = url.port();
            this.hostHeader = (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + (port == 80 ? "" : ":" + port);
            String query = url.encodedQuery();
            this.target = url.encodedPath() + (query == null ? "" : "?" + query);
            this.maxIdle = maxIdle;
            this.connector = bootstrap.clone(loop).handler(new ChannelInitializer<Channel>() {
                @Override
                protected void initChannel(Channel ch) {
                    ch.pipeline()
                            .addLast(new IdleStateHandler(0, 0, IDLE_SECONDS))
                            .addLast(new HttpClientCodec())
                            .addLast(new Conversation());
                }
            });
        }

        @Override
        public Transport.Exchange open(Post post, long timeoutNanos) {
            return new Call(this, post, timeoutNanos);
        }

        /** A connection for {@code call}: the most recently used idle one, or a new one. */
        void acquire(Call call, boolean fresh) {
            Channel ch;
            while (!fresh && (ch = idle.pollLast()) != null) {
                if (ch.isActive()) {
                    call.send(ch);
                    return;
                }
            }
            try {
                dns.execute(() -> lookUp(call));
            } catch (RejectedExecutionException stopped) {
                call.unreachable(stopped);
            }
        }

        /** On the DNS pool: the endpoint's address (the JDK caches it), then back to the loop. */
        private void lookUp(Call call) {
            Runnable next;
            try {
                InetSocketAddress address = new InetSocketAddress(InetAddress.getByName(host), port);
                next = () -> connect(call, address);
            } catch (UnknownHostException e) {
                next = () -> call.unreachable(e);
            }
            try {
                loop.execute(next);
            } catch (RejectedExecutionException stopped) {
                // the plugin stopped: the loop failed its calls as it closed
            }
        }

        private void connect(Call call, InetSocketAddress address) {
            if (call.finished) {
                return; // timed out or given up while the name was looked up
            }
            long left = Math.max(1, TimeUnit.NANOSECONDS.toMillis(call.deadlineNanos - System.nanoTime()));
            ChannelFuture f = connector
                    .clone()
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, left))
                    .connect(address);
            f.addListener(done -> {
                if (!done.isSuccess()) {
                    call.unreachable(done.cause());
                } else if (call.finished) {
                    release(f.channel(), true); // the call ended meanwhile; the connection is sound
                } else {
                    call.send(f.channel());
                }
            });
        }

        /** A connection whose exchange is over: kept for the next call, or closed. */
        void release(Channel ch, boolean keepAlive) {
            if (keepAlive && ch.isActive() && idle.size() < maxIdle) {
                idle.addLast(ch);
            } else {
                ch.close();
            }
        }

        FullHttpRequest request(Post post) {
            FullHttpRequest r = new DefaultFullHttpRequest(
                    HttpVersion.HTTP_1_1, HttpMethod.POST, target, Unpooled.wrappedBuffer(post.body()));
            HttpHeaders h = r.headers();
            h.set(HttpHeaderNames.HOST, hostHeader);
            h.set(HttpHeaderNames.USER_AGENT, USER_AGENT);
            List<String> extra = post.headers();
            for (int i = 0; i < extra.size(); i += 2) {
                h.set(extra.get(i), extra.get(i + 1));
            }
            // the framing is ours whatever the configured headers say
            h.set(HttpHeaderNames.CONTENT_TYPE, JSON);
            h.setInt(HttpHeaderNames.CONTENT_LENGTH, post.body().length);
            h.remove(HttpHeaderNames.TRANSFER_ENCODING);
            return r;
        }
    }

    /**
     * One call from start to its one outcome. Every field but the constructor's is touched on
     * the endpoint's loop only.
     */
    private static final class Call implements Transport.Exchange {
        private final Pool pool;
        private final Transport.Post post;
        private final long timeoutNanos;
        final long deadlineNanos;
        private Transport.Callback callback;
        private boolean begun;
        private boolean cancelled;
        boolean finished;
        private boolean retried;
        private ScheduledFuture<?> timer;
        private Channel channel;
        private HttpResponse head;
        private byte[] body;
        private int bodyLength;

        Call(Pool pool, Transport.Post post, long timeoutNanos) {
            this.pool = pool;
            this.post = post;
            this.timeoutNanos = timeoutNanos;
            this.deadlineNanos = System.nanoTime() + timeoutNanos;
        }

        @Override
        public void start(Transport.Callback callback) {
            this.callback = callback;
            try {
                pool.loop.execute(this::begin);
            } catch (RejectedExecutionException stopped) {
                callback.failed(new Endpoint.CallFailure("webhooks stopped", false));
            }
        }

        @Override
        public void cancel() {
            try {
                pool.loop.execute(this::abort);
            } catch (RejectedExecutionException stopped) {
                // the loop is gone: the call failed or fails with it
            }
        }

        private void begin() {
            begun = true;
            if (cancelled) {
                fail(new Endpoint.CallFailure("cancelled", false));
                return;
            }
            timer = pool.loop.schedule(this::timedOut, timeoutNanos, TimeUnit.NANOSECONDS);
            pool.acquire(this, false);
        }

        private void abort() {
            cancelled = true;
            if (begun && !finished) {
                drop();
                fail(new Endpoint.CallFailure("cancelled", false));
            }
        }

        private void timedOut() {
            if (!finished) {
                drop();
                fail(new Endpoint.CallFailure("timed out", true));
            }
        }

        /** Writes the request on {@code ch}, which is now this call's until the answer is read. */
        void send(Channel ch) {
            FullHttpRequest request;
            try {
                request = pool.request(post);
            } catch (IllegalArgumentException badHeader) {
                pool.release(ch, true);
                fail(new Endpoint.CallFailure("bad request header: " + badHeader.getMessage(), false));
                return;
            }
            channel = ch;
            ch.pipeline().get(Conversation.class).call = this;
            ch.writeAndFlush(request).addListener(w -> {
                if (!w.isSuccess() && channel == ch) {
                    lost(ch, w.cause());
                }
            });
        }

        /** The connection failed or closed before the whole answer was read. */
        void lost(Channel ch, Throwable cause) {
            if (finished || channel != ch) {
                return;
            }
            drop();
            if (head == null && !retried && !cancelled) {
                // a pooled connection the endpoint had closed, or one lost before any answer:
                // once more on a new connection, within the same deadline
                retried = true;
                pool.acquire(this, true);
            } else if (head == null) {
                unreachable(cause);
            } else {
                fail(new Endpoint.CallFailure("reading the response failed: " + describe(cause), false));
            }
        }

        /** The endpoint answered with something that is no HTTP/1.1 response: not retried. */
        void malformed(Channel ch, Throwable cause) {
            if (finished || channel != ch) {
                return;
            }
            drop();
            fail(new Endpoint.CallFailure(
                    "malformed response: " + (cause == null || cause.getMessage() == null ? "" : cause.getMessage()),
                    false));
        }

        void unreachable(Throwable cause) {
            if (!finished) {
                fail(new Endpoint.CallFailure("unreachable: " + describe(cause), false));
            }
        }

        void head(HttpResponse response) {
            head = response;
            long length = HttpUtil.getContentLength(response, -1L);
            body = new byte[length > 0 ? (int) Math.min(Endpoint.MAX_BODY + 1L, length) : 64];
            bodyLength = 0;
        }

        /** @return false when the body went over the cap (the call failed, its connection closed) */
        boolean content(ByteBuf chunk) {
            int n = chunk.readableBytes();
            if (bodyLength + n > Endpoint.MAX_BODY) {
                drop();
                fail(new Endpoint.CallFailure(
                        "reading the response failed: response body over " + Endpoint.MAX_BODY + " bytes", false));
                return false;
            }
            if (bodyLength + n > body.length) {
                body = Arrays.copyOf(body, Math.max(bodyLength + n, 2 * body.length));
            }
            chunk.readBytes(body, bodyLength, n);
            bodyLength += n;
            return true;
        }

        void complete(Channel ch) {
            HttpResponse r = head;
            channel = null;
            ch.pipeline().get(Conversation.class).call = null;
            pool.release(ch, HttpUtil.isKeepAlive(r));
            finished = true;
            timer.cancel(false);
            callback.replied(new Endpoint.Reply(
                    r.status().code(),
                    r.headers().get(HttpHeaderNames.CACHE_CONTROL),
                    r.headers().get(AuthCache.CACHE_ERRORS_HEADER),
                    bodyLength == body.length ? body : Arrays.copyOf(body, bodyLength)));
        }

        /** Closes the connection this call holds, if any: its answer is no longer read. */
        private void drop() {
            Channel ch = channel;
            channel = null;
            head = null;
            if (ch != null) {
                ch.pipeline().get(Conversation.class).call = null;
                ch.close();
            }
        }

        private void fail(Endpoint.CallFailure failure) {
            finished = true;
            if (timer != null) {
                timer.cancel(false);
            }
            callback.failed(failure);
        }

        private static String describe(Throwable t) {
            return t == null ? "connection closed" : t.toString();
        }
    }

    /** The end of a connection's pipeline: hands what is read to the call the connection serves. */
    private static final class Conversation extends ChannelInboundHandlerAdapter {
        Call call; // loop only

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                Call c = call;
                if (c == null) {
                    ctx.close(); // an answer nobody asked for: the connection is out of step
                    return;
                }
                if (msg instanceof HttpResponse r) {
                    if (r.decoderResult().isFailure()) {
                        c.malformed(ctx.channel(), r.decoderResult().cause());
                        return;
                    }
                    if (r.status().codeClass() == HttpStatusClass.INFORMATIONAL) {
                        return; // 100 Continue and the like: the answer follows
                    }
                    c.head(r);
                }
                if (msg instanceof HttpContent content && c.head != null) {
                    if (content.decoderResult().isFailure()) {
                        c.malformed(ctx.channel(), content.decoderResult().cause());
                        return;
                    }
                    if (c.content(content.content()) && msg instanceof LastHttpContent) {
                        c.complete(ctx.channel());
                    }
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            Call c = call;
            if (c != null) {
                c.lost(ctx.channel(), null);
            }
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            Call c = call;
            if (c != null) {
                c.lost(ctx.channel(), cause);
            }
            ctx.close();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof IdleStateEvent && call == null) {
                ctx.close(); // idle for IDLE_SECONDS: the pool forgets it when it is next polled
            } else {
                ctx.fireUserEventTriggered(evt);
            }
        }
    }
}
