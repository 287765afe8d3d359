package io.hookline.broker;

import io.hookline.broker.cluster.ClientControl;
import io.hookline.broker.cluster.ClusterNode;
import io.hookline.broker.config.ClusterConfig;
import io.hookline.broker.config.Config;
import io.hookline.broker.protocol.BrokerContext;
import io.hookline.broker.protocol.MqttConnection;
import io.hookline.broker.routing.Message;
import io.hookline.broker.transport.MqttListener;
import io.netty.channel.Channel;
import io.netty.channel.group.ChannelGroup;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The broker's side of a cluster node once its listeners are open (only with {@code cluster =
 * on}): the address other nodes redirect clients to, moving every client away when the node
 * leaves, offloading new MQTT 5 clients above {@code cluster.offload.max_connections}, the load
 * figure published each second, and this node's {@code $SYS} tree under {@code $SYS/<node>/}.
 * Thread-safe: the channel group and listener list are; the load runs on the broker's timer.
 */
final class ClusterClients implements ClientControl {

    private final ClusterNode node;
    private final ChannelGroup channels;
    private final List<MqttListener> listeners;
    private final Supplier<Config> config;

    private ClusterClients(
            ClusterNode node, ChannelGroup channels, List<MqttListener> listeners, Supplier<Config> config) {
        this.node = node;
        this.channels = channels;
        this.listeners = listeners;
        this.config = config;
    }

    /** Wires offloading, the load figure and the client moves of {@code node}; after the listeners opened. */
    static void wire(
            ClusterNode node,
            BrokerContext context,
            ChannelGroup channels,
            List<MqttListener> listeners,
            Supplier<Config> config,
            ScheduledExecutorService timer) {
        ClusterClients clients = new ClusterClients(node, channels, listeners, config);
        node.clientControl(clients);
        context.offload(() -> node.offloadTarget(
                config.get().get(ClusterConfig.OFFLOAD_MAX_CONNECTIONS),
                context.metrics().connections().get()));
        timer.scheduleWithFixedDelay(
                () -> node.publishLoad(context.metrics().connections().get()), 0, 1, TimeUnit.SECONDS);
    }

    /**
     * The {@code $SYS} publisher of a node: each message under {@code $SYS/broker/...} (this
     * node's own, as on a single broker) and again under {@code $SYS/<node>/broker/...}, which
     * reaches every node of the cluster.
     */
    static Consumer<Message> perNodeSys(ClusterNode node, BrokerContext context) {
        String prefix = "$SYS/" + node.settings().nodeName() + "/";
        return m -> {
            context.publish(m);
            context.publish(context.messages()
                    .create(
                            prefix + m.topic().substring("$SYS/".length()),
                            m.qos(),
                            m.retain(),
                            m.payload(),
                            m.properties(),
                            m.sender()));
        };
    }

    @Override
    public String mqttAddress() {
        String advertised = config.get().get(ClusterConfig.ADVERTISED_MQTT);
        if (!advertised.isEmpty()) {
            return advertised;
        }
        for (MqttListener l : listeners) {
            InetSocketAddress bound = l.boundAddress();
            if (l.kind().equals("tcp") && bound != null) {
                String host = node.settings().listen().host();
                return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + bound.getPort();
            }
        }
        return null;
    }

    @Override
    public CompletableFuture<Integer> moveAll(String serverReference) {
        CompletableFuture<Integer> done = new CompletableFuture<>();
        AtomicInteger open = new AtomicInteger(1);
        AtomicInteger moved = new AtomicInteger();
        Runnable closed = () -> {
            if (open.decrementAndGet() == 0) {
                done.complete(moved.get());
            }
        };
        for (Channel ch : channels) {
            MqttConnection c = ch.pipeline().get(MqttConnection.class);
            if (c != null && c.clientId() != null) {
                open.incrementAndGet();
                moved.incrementAndGet();
                ch.closeFuture().addListener(f -> closed.run());
                c.redirect(serverReference);
            }
        }
        closed.run();
        return done;
    }
}
