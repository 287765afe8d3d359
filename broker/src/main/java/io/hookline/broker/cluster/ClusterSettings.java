package io.hookline.broker.cluster;

import io.hookline.broker.config.ClusterConfig;
import io.hookline.broker.config.Config;
import io.hookline.broker.config.HostPort;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;

/**
 * The {@code cluster.*} keys of one start, resolved: the node name (the host name when empty)
 * and the data port ({@code auto}: the listen port + 1); {@code outboundHighWatermark}: bytes a
 * data link may have unacknowledged before its publishers pause (0: no limit); {@code dataAdvertise}:
 * where other nodes connect for the data port, or null (the host of listen and the bound port).
 */
public record ClusterSettings(
        String name,
        String nodeName,
        HostPort listen,
        int dataPort,
        List<HostPort> seeds,
        Duration failureTimeout,
        Duration joinWait,
        long outboundHighWatermark,
        HostPort dataAdvertise,
        NetsplitSettings netsplit) {

    /** The settings of {@code config}, or null when {@code cluster = off}. */
    public static ClusterSettings from(Config config) {
        if (!config.get(ClusterConfig.CLUSTER)) {
            return null;
        }
        HostPort listen = config.get(ClusterConfig.LISTEN);
        int data = config.get(ClusterConfig.DATA_PORT);
        String node = config.get(ClusterConfig.NODE_NAME);
        return new ClusterSettings(
                config.get(ClusterConfig.NAME),
                node.isEmpty() ? hostName() : node,
                listen,
                data == ClusterConfig.DATA_PORT_AUTO ? listen.port() + 1 : data,
                config.get(ClusterConfig.SEEDS),
                config.get(ClusterConfig.FAILURE_TIMEOUT),
                config.get(ClusterConfig.JOIN_WAIT),
                config.get(ClusterConfig.OUTBOUND_HIGH_WATERMARK),
                config.get(ClusterConfig.DATA_ADVERTISE).orElse(null),
                NetsplitSettings.from(config));
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            String env = System.getenv("HOSTNAME");
            return env != null && !env.isEmpty() ? env : "localhost";
        }
    }

    /** Whole seconds of a duration, rounded up (Hazelcast's timers count seconds). */
    static int seconds(Duration d) {
        long s = d.toSeconds() + (d.toNanosPart() > 0 ? 1 : 0);
        return (int) Math.min(Integer.MAX_VALUE, s);
    }
}
