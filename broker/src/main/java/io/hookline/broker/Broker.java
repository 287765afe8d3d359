package io.hookline.broker;

import io.hookline.broker.config.Config;
import io.hookline.broker.config.CoreConfig;
import io.hookline.broker.config.HostPort;
import io.hookline.broker.metrics.BrokerMetrics;
import io.hookline.broker.metrics.SysTree;
import io.hookline.broker.protocol.BrokerContext;
import io.hookline.broker.protocol.ProtocolSettings;
import io.hookline.broker.routing.Message;
import io.hookline.broker.routing.Router;
import io.hookline.broker.routing.SubscriptionTrie;
import io.hookline.broker.session.SessionRegistry;
import io.hookline.broker.store.MemoryRetainedStore;
import io.hookline.broker.store.RetainedStore;
import io.hookline.broker.transport.MqttListener;
import io.hookline.broker.transport.MqttListener.ListenerException;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A Hookline broker: wires the stores, the router, the session registry and the listeners of
 * one {@link Config}. {@link #start()} binds every listener or fails naming the one that could
 * not; {@link #close()} stops it. Start and close from one thread.
 */
public final class Broker implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Broker.class);
    public static final String VERSION = versionOf();

    private final Config config;
    private final BrokerMetrics metrics = new BrokerMetrics();
    private final SubscriptionTrie subscriptions = new SubscriptionTrie();
    private final RetainedStore retained = new MemoryRetainedStore();
    private final ScheduledExecutorService timer;
    private final SessionRegistry sessions;
    private final BrokerContext context;
    private final List<MqttListener> listeners = new ArrayList<>();
    private EventLoopGroup boss;
    private EventLoopGroup workers;
    private ChannelGroup channels;

    public Broker(Config config) {
        this.config = config;
        ProtocolSettings settings = ProtocolSettings.from(config);
        this.timer = Executors.newSingleThreadScheduledExecutor(new DefaultThreadFactory("hookline-timer", true));
        BrokerContext[] self = new BrokerContext[1];
        this.sessions = new SessionRegistry(subscriptions, () -> self[0].settings(), metrics, timer,
                will -> self[0].publish(Message.of(will.topic(), will.qos(), will.retain(), will.payload(),
                        will.properties(), will.senderId())));
        Router router = new Router(subscriptions, sessions, () -> self[0].settings().sharedSubscriptionPolicy());
        this.context = new BrokerContext(sessions, router, retained, metrics, settings);
        self[0] = context;
    }

    public Broker start() throws ListenerException {
        Map<String, HostPort> tcp = config.named(CoreConfig.LISTENER_TCP);
        if (tcp.isEmpty()) {
            throw new ListenerException("no MQTT listener configured: add a line 'listener.tcp.NAME = ip:port'", null);
        }
        boolean epoll = Epoll.isAvailable();
        int threads = Runtime.getRuntime().availableProcessors();
        boss = epoll ? new EpollEventLoopGroup(1, new DefaultThreadFactory("hookline-accept"))
                : new NioEventLoopGroup(1, new DefaultThreadFactory("hookline-accept"));
        workers = epoll ? new EpollEventLoopGroup(threads, new DefaultThreadFactory("hookline-io"))
                : new NioEventLoopGroup(threads, new DefaultThreadFactory("hookline-io"));
        Class<? extends ServerChannel> channelType = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        channels = new DefaultChannelGroup("hookline-clients", GlobalEventExecutor.INSTANCE);
        try {
            for (Map.Entry<String, HostPort> e : tcp.entrySet()) {
                MqttListener listener = new MqttListener(e.getKey(), e.getValue(), context, channels);
                listener.start(boss, workers, channelType);
                listeners.add(listener);
                log.info("MQTT listener '{}' on tcp {}", e.getKey(), listener.boundAddress());
            }
        } catch (ListenerException e) {
            close();
            throw e;
        }
        long sysInterval = config.get(CoreConfig.SYSTREE_INTERVAL).toMillis();
        if (sysInterval > 0) {
            SysTree sys = new SysTree(metrics, sessions::size, subscriptions::size, retained::size,
                    context::publish, VERSION);
            timer.scheduleAtFixedRate(() -> {
                try {
                    sys.run();
                } catch (RuntimeException ex) {
                    log.warn("$SYS publication failed", ex);
                }
            }, sysInterval, sysInterval, TimeUnit.MILLISECONDS);
        }
        return this;
    }

    /** The port a listener is bound to (useful with port 0), or -1. */
    public int port(String listenerName) {
        for (MqttListener l : listeners) {
            if (l.name().equals(listenerName) && l.boundAddress() != null) {
                return l.boundAddress().getPort();
            }
        }
        return -1;
    }

    public List<MqttListener> listeners() {
        return List.copyOf(listeners);
    }

    public Config config() {
        return config;
    }

    public BrokerContext context() {
        return context;
    }

    public SessionRegistry sessions() {
        return sessions;
    }

    public RetainedStore retained() {
        return retained;
    }

    public BrokerMetrics metrics() {
        return metrics;
    }

    public SubscriptionTrie subscriptions() {
        return subscriptions;
    }

    /**
     * Stops accepting, closes every client connection (their wills are handled as for any
     * abrupt close), and releases the threads.
     */
    @Override
    public void close() {
        for (MqttListener l : listeners) {
            l.close();
        }
        listeners.clear();
        if (channels != null) {
            channels.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        if (boss != null) {
            boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
        if (workers != null) {
            workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
        timer.shutdownNow();
    }

    private static String versionOf() {
        String v = Broker.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }
}
