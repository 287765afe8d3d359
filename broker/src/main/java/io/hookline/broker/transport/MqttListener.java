package io.hookline.broker.transport;

import io.hookline.broker.config.HostPort;
import io.hookline.broker.protocol.BrokerContext;
import io.hookline.broker.protocol.MqttConnection;
import io.hookline.broker.protocol.PublishEncoder;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;

import java.net.InetSocketAddress;

/**
 * A named MQTT TCP listener: binds, builds each connection's pipeline
 * (bytes → MqttDecoder → MqttEncoder → MqttConnection), closes. Start and close from one
 * thread (the broker's); the pipeline initializer runs on event loops.
 */
public final class MqttListener {

    private final String name;
    private final HostPort address;
    private final BrokerContext broker;
    private final ChannelGroup channels;
    private Channel serverChannel;

    public MqttListener(String name, HostPort address, BrokerContext broker, ChannelGroup channels) {
        this.name = name;
        this.address = address;
        this.broker = broker;
        this.channels = channels;
    }

    public String name() {
        return name;
    }

    public String kind() {
        return "tcp";
    }

    public HostPort configured() {
        return address;
    }

    /** The address actually bound (the real port when configured with port 0). */
    public InetSocketAddress boundAddress() {
        return serverChannel == null ? null : (InetSocketAddress) serverChannel.localAddress();
    }

    public boolean isOpen() {
        return serverChannel != null && serverChannel.isActive();
    }

    /** Binds; throws ListenerException naming the listener and address when that fails. */
    public void start(EventLoopGroup boss, EventLoopGroup workers, Class<? extends ServerChannel> channelType)
            throws ListenerException {
        ByteCounter counter = new ByteCounter(broker.metrics());
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(boss, workers)
                .channel(channelType)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(64 * 1024, 256 * 1024))
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        channels.add(ch);
                        var settings = broker.settings();
                        ch.pipeline()
                                .addLast("bytes", counter)
                                .addLast("decoder", new MqttDecoder(settings.maxMessageSize(), settings.maxClientIdSize()))
                                .addLast("encoder", MqttEncoder.INSTANCE)
                                .addLast("publish-encoder", PublishEncoder.INSTANCE)
                                .addLast("mqtt", new MqttConnection(broker));
                    }
                });
        try {
            serverChannel = bootstrap.bind(address.host(), address.port()).sync().channel();
        } catch (Exception e) {
            throw new ListenerException("listener.tcp." + name + " could not bind " + address + ": "
                    + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()), e);
        }
    }

    public void close() {
        if (serverChannel != null) {
            serverChannel.close().syncUninterruptibly();
        }
    }

    /** A listener that could not start. */
    public static final class ListenerException extends Exception {
        public ListenerException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
