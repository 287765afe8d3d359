package io.hookline.plugin.webhooks;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.util.Arrays;
import java.util.concurrent.RejectedExecutionException;

/**
 * One call of {@link NettyHttpClient} from start to its one outcome, on its loop. Every field but
 * the constructor's is touched on that loop only; {@link #start} and {@link #cancel} run in place
 * when called on it (a hook raised on the broker's loop: no hand-over) and hand over otherwise.
 */
final class NettyCall implements Transport.Exchange {
    private final NettyHttpClient.OnLoop on;
    private final Transport.Post post;
    final long deadlineNanos;
    private Transport.Callback callback;
    private boolean begun;
    private boolean cancelled;
    boolean finished;
    private boolean retried;
    // the loop's calls under way, in start order, for its deadline sweep (NettyHttpClient.OnLoop)
    NettyCall previous;
    NettyCall next;
    boolean watched;
    private Channel channel;
    private boolean answering; // the head of the answer was read
    private int status;
    private String cacheControl;
    private String cacheErrors;
    private byte[] body;
    private int bodyLength;

    NettyCall(NettyHttpClient.OnLoop on, Transport.Post post, long timeoutNanos) {
        this.on = on;
        this.post = post;
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
        on.watch(this); // no timer per call: the loop's sweep times it out at its deadline
        on.acquire(this, false);
    }

    private void abort() {
        cancelled = true;
        if (begun && !finished) {
            drop();
            fail(new Endpoint.CallFailure("cancelled", false));
        }
    }

    /** The loop's sweep found the deadline passed. */
    void timedOut() {
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
        boolean answered = answering;
        drop();
        if (!answered && !retried && !cancelled) {
            // a pooled connection the endpoint had closed, or one lost before any answer:
            // once more on a new connection, within the same deadline
            retried = true;
            on.acquire(this, true);
        } else if (!answered) {
            unreachable(cause);
        } else {
            fail(new Endpoint.CallFailure("reading the response failed: " + describe(cause), false));
        }
    }

    /** The endpoint answered with something that is no HTTP/1.x response: not retried. */
    void malformed(Channel ch, String why) {
        if (finished || channel != ch) {
            return;
        }
        drop();
        fail(new Endpoint.CallFailure("malformed response: " + why, false));
    }

    void unreachable(Throwable cause) {
        if (!finished) {
            fail(new Endpoint.CallFailure("unreachable: " + describe(cause), false));
        }
    }

    void head(int status, String cacheControl, String cacheErrors) {
        answering = true;
        this.status = status;
        this.cacheControl = cacheControl;
        this.cacheErrors = cacheErrors;
        body = new byte[64];
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

    void complete(Channel ch, boolean reusable) {
        channel = null;
        ch.pipeline().get(Conversation.class).call = null;
        on.release(ch, reusable);
        finished = true;
        on.unwatch(this);
        callback.replied(new Endpoint.Reply(
                status, cacheControl, cacheErrors, bodyLength == body.length ? body : Arrays.copyOf(body, bodyLength)));
    }

    /** Closes the connection this call holds, if any: its answer is no longer read. */
    private void drop() {
        Channel ch = channel;
        channel = null;
        answering = false;
        if (ch != null) {
            ch.pipeline().get(Conversation.class).call = null;
            ch.close();
        }
    }

    private void fail(Endpoint.CallFailure failure) {
        finished = true;
        on.unwatch(this);
        callback.failed(failure);
    }

    private static String describe(Throwable t) {
        return t == null ? "connection closed" : t.toString();
    }

    /**
     * The end of a connection's pipeline: reads the answers ({@link ResponseParser}) and hands
     * them to the call the connection serves.
     */
    static final class Conversation extends ChannelInboundHandlerAdapter implements ResponseParser.Sink {
        NettyCall call; // loop only
        private final ResponseParser parser = new ResponseParser(this);
        private Channel channel;

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            channel = ctx.channel();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof ByteBuf in) {
                parser.read(ctx.alloc(), in);
            } else {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void head(int status, boolean keepAlive, String cacheControl, String cacheErrors) {
            NettyCall c = call;
            if (c == null) {
                parser.stop();
                channel.close(); // an answer nobody asked for: the connection is out of step
                return;
            }
            c.head(status, cacheControl, cacheErrors);
        }

        @Override
        public boolean content(ByteBuf chunk) {
            NettyCall c = call;
            return c != null && c.content(chunk);
        }

        @Override
        public void end(boolean reusable) {
            NettyCall c = call;
            if (c != null) {
                c.complete(channel, reusable);
            } else if (!reusable) {
                channel.close();
            }
        }

        @Override
        public void malformed(String why) {
            NettyCall c = call;
            if (c != null) {
                c.malformed(channel, why);
            }
            channel.close();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            parser.closed(); // may complete a body that ran until the close
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
