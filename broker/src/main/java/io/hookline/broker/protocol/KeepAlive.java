package io.hookline.broker.protocol;

import io.hookline.broker.util.Scheduler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateEvent;
import java.util.concurrent.TimeUnit;

/**
 * The keep-alive timer (1.5 x the client's keep alive): a client that sent nothing for that long
 * is gone, and the connection hears an {@link IdleStateEvent}. Time we did not read from it (a
 * hook window, max_message_rate, a throttle answer, a congested subscriber:
 * {@link ReadPause#excusesSilence}) does not count: its PINGREQs are waiting in the socket. Such a
 * silence is looked at again one period later, so a client that died meanwhile is still caught,
 * at most one period late. Runs on the channel's time ({@link ReadPause#time}, the broker's
 * injected scheduler), as Netty's reader-idle check would on the wall of the event loop.
 * Confined to the channel's event loop.
 */
final class KeepAlive extends ChannelInboundHandlerAdapter {

    private final long timeoutNanos;
    private Scheduler time;
    private ChannelHandlerContext ctx;
    private long lastReadNanos;
    private boolean reading;
    private boolean first = true;
    private Scheduler.Task check;

    KeepAlive(long timeoutMillis) {
        this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.time = ReadPause.timeOf(ctx.channel()); // no pause state: most clients are never paused
        if (ctx.channel().isActive()) {
            lastReadNanos = time.nanoTime();
            schedule(timeoutNanos);
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        stop();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        stop();
        ctx.fireChannelInactive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        reading = true;
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        reading = false;
        lastReadNanos = time.nanoTime();
        ctx.fireChannelReadComplete();
    }

    private void schedule(long nanos) {
        check = time.schedule(ctx.executor(), this::check, nanos, TimeUnit.NANOSECONDS);
    }

    private void stop() {
        if (check != null) {
            check.cancel();
            check = null;
        }
    }

    private void check() {
        if (check == null || !ctx.channel().isOpen()) {
            return;
        }
        long now = time.nanoTime();
        long left = reading ? timeoutNanos : timeoutNanos - (now - lastReadNanos);
        if (left > 0) {
            schedule(left);
            return;
        }
        ReadPause pause = ReadPause.peek(ctx.channel());
        if (pause != null && pause.excusesSilence(timeoutNanos, now)) {
            schedule(timeoutNanos);
            return; // our pause, not the client's silence: look again one period later
        }
        // once: the connection closes on this event, but the DISCONNECT's linger keeps the channel
        // open a while, and a second event would count a second keep-alive timeout
        check = null;
        IdleStateEvent event =
                first ? IdleStateEvent.FIRST_READER_IDLE_STATE_EVENT : IdleStateEvent.READER_IDLE_STATE_EVENT;
        first = false;
        ctx.fireUserEventTriggered(event);
    }
}
