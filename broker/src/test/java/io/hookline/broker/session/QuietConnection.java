package io.hookline.broker.session;

import io.hookline.broker.routing.Delivery;
import io.hookline.broker.routing.FlowControl;

/**
 * A {@link SessionConnection} that writes nothing, for tests of the session layer's bookkeeping.
 * {@link #offline()} is never writable and has no window; {@link #throttledBy} is writable with a
 * window of 20 and answers the given throttle.
 */
public record QuietConnection(FlowControl.Throttle throttle, int inflightWindow, boolean writable)
        implements SessionConnection {

    public static QuietConnection offline() {
        return new QuietConnection(null, 0, false);
    }

    static QuietConnection throttledBy(FlowControl.Throttle throttle) {
        return new QuietConnection(throttle, 20, true);
    }

    @Override
    public void submit(Session session, Delivery delivery) {}

    @Override
    public void execute(Runnable task) {}

    @Override
    public void writePublish(int packetId, Delivery delivery, boolean dup) {}

    @Override
    public void writePubrel(int packetId) {}

    @Override
    public void flushSoon() {}

    @Override
    public boolean fits(Delivery delivery) {
        return true;
    }

    @Override
    public void takeOver() {}

    @Override
    public boolean inEventLoop() {
        return true;
    }
}
