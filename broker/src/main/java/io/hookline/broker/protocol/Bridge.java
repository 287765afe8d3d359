package io.hookline.broker.protocol;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;

/**
 * A client that said it is a bridge: Mosquitto (and other brokers with {@code try_private})
 * set the high bit of the CONNECT's protocol level (0x83 for MQTT 3.1, 0x84 for 3.1.1). The
 * transport strips the bit before decoding and marks the channel here; its subscriptions then
 * get no-local and retain-as-published, so what the bridge publishes is not sent back to it and
 * retained messages stay retained on the other side. Stateless.
 */
public final class Bridge {

    private Bridge() {}

    /** Set on the channel by the transport when the CONNECT carried the bridge bit. */
    public static final AttributeKey<Boolean> ATTRIBUTE = AttributeKey.valueOf("hookline.bridge");

    /** Whether the client on {@code channel} connected as a bridge. */
    public static boolean is(Channel channel) {
        // hasAttr first: attr() would add an empty attribute to every channel that has none
        return channel.hasAttr(ATTRIBUTE)
                && Boolean.TRUE.equals(channel.attr(ATTRIBUTE).get());
    }
}
