package io.hookline.broker.cluster;

import io.hookline.broker.routing.FlowControl;
import io.hookline.broker.routing.Recipient;
import io.netty.channel.Channel;
import java.util.List;
import java.util.function.Consumer;

/**
 * Back-pressure on the receiving end of a data link: a message from another node went to local
 * sessions above their queue high-water mark, so this node stops reading the link (as it stops
 * reading a local publisher, {@link FlowControl}) until they drain. The sending node then sees
 * its frames unacknowledged and its socket full, and pauses its own publishers
 * ({@code cluster.outbound_high_watermark}): a slow subscriber slows the publishers on every node.
 *
 * <p>Confined to the link's event loop, except {@link #maybeResume}, which FlowControl runs there.
 */
final class LinkHold implements Consumer<List<Recipient>> {

    private final Channel channel;
    private final FlowControl flow;
    private final FlowControl.Throttle throttle;

    LinkHold(Channel channel, FlowControl flow) {
        this.channel = channel;
        this.flow = flow;
        this.throttle = new FlowControl.Throttle(null, channel.eventLoop(), this::maybeResume);
    }

    @Override
    public void accept(List<Recipient> anyOf) {
        if (flow.block(throttle, anyOf) && channel.config().isAutoRead()) {
            channel.config().setAutoRead(false);
        }
    }

    private void maybeResume() {
        if (!channel.config().isAutoRead() && !flow.waiting(throttle) && channel.isActive()) {
            channel.config().setAutoRead(true);
            channel.read();
        }
    }

    /** The link closed: it waits on nothing any more. */
    void close() {
        flow.close(throttle);
    }
}
