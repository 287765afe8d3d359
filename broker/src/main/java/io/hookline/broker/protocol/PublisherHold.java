package io.hookline.broker.protocol;

import io.hookline.broker.metrics.BrokerMetrics.Counter;
import io.hookline.broker.routing.FlowControl;
import io.hookline.broker.routing.Recipient;
import io.hookline.broker.session.Session;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One client as a publisher held by back-pressure: told by the router of the congested sessions
 * its PUBLISHes went to, it stops reading from the client ({@link ReadPause.Reason#BACKPRESSURE}) until
 * {@link FlowControl} lets it go. While held, one read every half keep alive lets the client's
 * PINGREQ through, so the client does not give up on us.
 *
 * <p>Confined to the channel's event loop, except {@link #throttle()}, which other loops read.
 */
final class PublisherHold implements Consumer<List<Recipient>>, Runnable {

    private final MqttConnection c;
    private volatile FlowControl.Throttle throttle; // set once the CONNECT is accepted
    private ScheduledFuture<?> peek;

    PublisherHold(MqttConnection c) {
        this.c = c;
    }

    /** The CONNECT was accepted: from now on this client may be held. */
    void start(Session session) {
        throttle = new FlowControl.Throttle(session, c.ctx.executor(), this); // run(): no method reference per client
    }

    FlowControl.Throttle throttle() {
        return throttle;
    }

    /** The router handed one of our PUBLISHes to congested recipients: wait until (any of) them drain. */
    @Override
    public void accept(List<Recipient> anyOf) {
        FlowControl.Throttle t = throttle;
        if (t == null) {
            return;
        }
        if (!c.broker.sessions().flow().block(t, anyOf) || !readPause().pause(ReadPause.Reason.BACKPRESSURE)) {
            return;
        }
        c.broker.metrics().count(Counter.PUBLISHER_PAUSES);
        c.broker.metrics().pausedPublishers().incrementAndGet();
        MqttConnection.log.debug("{}: publishing to a congested session, reading paused", c.who());
        if (c.terms.keepAliveSeconds() > 0 && peek == null) {
            long every = c.terms.keepAliveSeconds() * 500L;
            peek = c.ctx.executor().scheduleAtFixedRate(this::peek, every, every, TimeUnit.MILLISECONDS);
        }
    }

    // held for half a keep alive: read once (one buffer) so a PINGREQ behind the client's
    // PUBLISHes is answered; the few PUBLISHes read with it are queued
    private void peek() {
        if (c.state == MqttConnection.State.CONNECTED && readPause().isPaused(ReadPause.Reason.BACKPRESSURE)) {
            c.ctx.channel().read();
        }
    }

    /** The throttle's resume: every session we waited on drained (or went away), unless we were held again since. */
    @Override
    public void run() {
        if (c.state == MqttConnection.State.CLOSED
                || !readPause().isPaused(ReadPause.Reason.BACKPRESSURE)
                || c.broker.sessions().flow().waiting(throttle)) {
            return;
        }
        release();
        readPause().resume(ReadPause.Reason.BACKPRESSURE);
    }

    private void release() {
        c.broker.metrics().pausedPublishers().decrementAndGet();
        if (peek != null) {
            peek.cancel(false);
            peek = null;
        }
    }

    /** The connection closed: it waits on nothing any more. */
    void close() {
        FlowControl.Throttle t = throttle;
        if (t == null) {
            return;
        }
        c.broker.sessions().flow().close(t);
        if (readPause().isPaused(ReadPause.Reason.BACKPRESSURE)) {
            release();
        }
    }

    private ReadPause readPause() {
        return ReadPause.of(c.ctx.channel());
    }
}
