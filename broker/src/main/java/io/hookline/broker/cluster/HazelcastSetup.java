package io.hookline.broker.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.config.TcpIpConfig;
import io.hookline.broker.config.HostPort;
import java.util.List;
import java.util.UUID;

/** The embedded Hazelcast member's settings (docs/cluster.md, "Engine"), from the cluster.* keys of one start. */
final class HazelcastSetup {

    private HazelcastSetup() {}

    /**
     * The member's config: TCP-IP join on {@code seeds} (and the node's own cluster.listen),
     * timeouts from the cluster.* keys, the node's name and data address as member attributes,
     * and {@code node} in the user context (tasks sent to the member find it there).
     */
    static Config config(ClusterSettings settings, List<HostPort> seeds, int dataPort, ClusterNode node) {
        HostPort listen = settings.listen();
        Config config = new Config();
        config.setClusterName(settings.name());
        config.setInstanceName("hookline-" + settings.nodeName() + "-" + UUID.randomUUID());
        int failure = ClusterSettings.seconds(settings.failureTimeout());
        int join = ClusterSettings.seconds(settings.joinWait());
        config.setProperty("hazelcast.logging.type", "slf4j");
        config.setProperty("hazelcast.phone.home.enabled", "false");
        config.setProperty("hazelcast.shutdownhook.enabled", "false"); // Broker.close() stops us in order
        config.setProperty("hazelcast.health.monitoring.level", "OFF");
        config.setProperty("hazelcast.socket.bind.any", "false");
        config.setProperty("hazelcast.local.localAddress", listen.host());
        config.setProperty("hazelcast.max.no.heartbeat.seconds", String.valueOf(failure));
        config.setProperty("hazelcast.heartbeat.interval.seconds", String.valueOf(Math.max(1, failure / 5)));
        config.setProperty("hazelcast.wait.seconds.before.join", String.valueOf(join));
        config.setProperty("hazelcast.max.wait.seconds.before.join", String.valueOf(Math.max(join, 1) * 2));
        config.setProperty("hazelcast.graceful.shutdown.max.wait", String.valueOf(Math.max(5, failure)));
        int heal = ClusterSettings.seconds(settings.netsplit().healCheck()); // split halves look for each other
        config.setProperty("hazelcast.merge.first.run.delay.seconds", String.valueOf(heal));
        config.setProperty("hazelcast.merge.next.run.delay.seconds", String.valueOf(heal));
        // reads wait until a joining (or merging) member has the whole map: a heal compares against it
        config.getReplicatedMapConfig(RouteTable.MAP).setAsyncFillup(false);
        config.getReplicatedMapConfig(RetainedSync.MAP).setAsyncFillup(false);
        config.getUserContext().put(ClusterNode.CONTEXT_KEY, node);
        config.getMemberAttributeConfig().setAttribute(ClusterNode.NODE_ATTRIBUTE, settings.nodeName());
        HostPort advertised = settings.dataAdvertise();
        config.getMemberAttributeConfig()
                .setAttribute(
                        ClusterNode.DATA_ATTRIBUTE,
                        advertised != null ? hostPort(advertised) : listen.host() + ":" + dataPort);
        NetworkConfig network = config.getNetworkConfig();
        network.setPort(listen.port()).setPortAutoIncrement(false);
        network.setPublicAddress(hostPort(listen));
        JoinConfig joining = network.getJoin();
        joining.getMulticastConfig().setEnabled(false);
        joining.getAutoDetectionConfig().setEnabled(false);
        TcpIpConfig tcp = joining.getTcpIpConfig().setEnabled(true);
        tcp.setConnectionTimeoutSeconds(Math.max(1, join));
        tcp.addMember(hostPort(listen));
        for (HostPort seed : seeds) {
            tcp.addMember(hostPort(seed));
        }
        return config;
    }

    private static String hostPort(HostPort hp) {
        return (hp.host().indexOf(':') >= 0 ? "[" + hp.host() + "]" : hp.host()) + ":" + hp.port();
    }
}
