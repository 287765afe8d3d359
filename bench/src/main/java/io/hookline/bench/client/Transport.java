package io.hookline.bench.client;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;

/** Chooses epoll when the native transport loads, NIO otherwise. Immutable. */
public record Transport(String name, EventLoopGroup group, Class<? extends SocketChannel> channelClass)
        implements AutoCloseable {

    /** A new event-loop group with {@code threads} threads; {@code preferEpoll=false} forces NIO. */
    public static Transport create(int threads, boolean preferEpoll) {
        if (preferEpoll && Epoll.isAvailable()) {
            return new Transport("epoll", new EpollEventLoopGroup(threads), EpollSocketChannel.class);
        }
        return new Transport("nio", new NioEventLoopGroup(threads), NioSocketChannel.class);
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }
}
