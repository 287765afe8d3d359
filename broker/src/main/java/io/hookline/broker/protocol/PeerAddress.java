package io.hookline.broker.protocol;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * Where a client connects from. Behind a load balancer the socket's remote address is the
 * balancer's; the transport then puts the client's own address, as told by a trusted PROXY
 * protocol header or X-Forwarded-For, on the channel ({@link #ATTRIBUTE}) before any MQTT
 * packet is read. Stateless.
 */
public final class PeerAddress {

    private PeerAddress() {}

    public static final AttributeKey<InetSocketAddress> ATTRIBUTE = AttributeKey.valueOf("hookline.peerAddress");

    /** The client's address as told by a proxy, else the socket's remote address (null if not a socket). */
    public static InetSocketAddress of(Channel channel) {
        // hasAttr first: attr() would add an empty attribute to every channel that has none
        if (channel.hasAttr(ATTRIBUTE)) {
            InetSocketAddress told = channel.attr(ATTRIBUTE).get();
            if (told != null) {
                return told;
            }
        }
        SocketAddress remote = channel.remoteAddress();
        return remote instanceof InetSocketAddress inet ? inet : null;
    }
}
