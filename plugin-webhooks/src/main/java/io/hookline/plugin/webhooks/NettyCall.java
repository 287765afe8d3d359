package io.hookline.plugin.webhooks;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.Arrays;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * One call of {@link NettyHttpClient} from start to its one outcome, on its loop. Every field but
 * the constructor's is touched on that loop only; {@link #start} and {@link #cancel} run in place
 * when called on it (a hook raised on the broker's loop: no hand-over) and hand over otherwise.
 */
final class NettyCall implements Transport.Exchange {
    private final NettyHttpClient.OnLoop on;
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

    NettyCall(NettyHttpClient.OnLoop on, Transport.Post post, long timeoutNanos) {
        this.on = on;
        this.post = post;
        this.timeoutNanos = timeoutNanos;
        this.deadlineNanos = System.nanoTime() + timeoutNanos;
    }

    @Override
    public void start(Transport.Callback callback) {
        this.callback = callback;
        if (on.loop.inEventLoop()) {
            begin();
            return;
        }
        try {
            on.loop.execute(this::begin);
        } catch (RejectedExecutionException stopped) {
            callback.failed(new Endpoint.CallFailure("webhooks stopped", false));
        }
    }

    @Override
    public void cancel() {
        if (on.loop.inEventLoop()) {
            abort();
            return;
        }
        try {
            on.loop.execute(this::abort);
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
        if (on.closed()) {
            fail(new Endpoint.CallFailure("webhooks stopped", false));
            return;
        }
        timer = on.loop.schedule(this::timedOut, timeoutNanos, TimeUnit.NANOSECONDS);
        on.acquire(this, false);
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
        ByteBuf request;
        try {
            request = on.pool.request(ch.alloc(), post);
        } catch (IllegalArgumentException badHeader) {
            on.release(ch, true);
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
            on.acquire(this, true);
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
        on.release(ch, HttpUtil.isKeepAlive(r));
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

    /** The end of a connection's pipeline: hands what is read to the call the connection serves. */
    static final class Conversation extends ChannelInboundHandlerAdapter {
        NettyCall call; // loop only

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                NettyCall c = call;
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
            NettyCall c = call;
            if (c != null) {
                c.lost(ctx.channel(), null);
            }
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            NettyCall c = call;
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
