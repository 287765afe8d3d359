package io.hookline.broker.config;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The {@code cluster.*} keys (issue 19; docs/cluster.md). Only {@link #OFFLOAD_MAX_CONNECTIONS} and
 * the {@code allow_*_during_netsplit} keys are live: a node joins at start ({@code cluster join}/{@code
 * leave} change membership at run time). With {@code cluster = off} (the default) the others are read by nobody.
 */
public final class ClusterConfig {

    private ClusterConfig() {}

    /** {@code auto} for {@link #DATA_PORT}: the port of {@link #LISTEN} plus one. */
    public static final int DATA_PORT_AUTO = ValueType.AUTO;

    public static final ConfigKey<Boolean> CLUSTER = ConfigKey.builder("cluster", ValueType.bool())
            .defaultValue(false)
            .doc("on: this broker is a node of a cluster (Hazelcast membership on cluster.listen); off: a"
                    + " single broker, nothing of the cluster starts")
            .build();

    public static final ConfigKey<String> NAME = ConfigKey.builder("cluster.name", new NameType(false))
            .defaultValue("hookline")
            .doc("the cluster's name: nodes join only a cluster of the same name")
            .build();

    public static final ConfigKey<String> NODE_NAME = ConfigKey.builder("cluster.node_name", new NameType(true))
            .defaultValue("")
            .doc("this node's name, unique in the cluster; empty = the host name")
            .build();

    public static final ConfigKey<HostPort> LISTEN = ConfigKey.builder("cluster.listen", new ReachableType())
            .defaultValue(new HostPort("127.0.0.1", 5701))
            .doc("the one address (ip:port) other nodes reach this node on (membership and metadata);"
                    + " bound on this address, not a wildcard; port 1..65534")
            .build();

    public static final ConfigKey<Integer> DATA_PORT = ConfigKey.builder(
                    "cluster.data_port", ValueType.integerOrAuto(0, 65535))
            .defaultValue(DATA_PORT_AUTO)
            .doc("the port messages between nodes travel on, on the host of cluster.listen; auto = the port"
                    + " of cluster.listen + 1; 0 = any free port (other nodes learn it when this one joins)")
            .build();

    public static final ConfigKey<List<HostPort>> SEEDS = ConfigKey.builder(
                    "cluster.seeds", ValueType.list(ValueType.hostPort()))
            .defaultValue(List.of())
            .doc("cluster.listen addresses of nodes to join at start (TCP, no multicast); empty = form a new"
                    + " cluster (other nodes join this one)")
            .build();

    public static final ConfigKey<Duration> FAILURE_TIMEOUT = ConfigKey.builder(
                    "cluster.failure_timeout", ValueType.duration(Duration.ofSeconds(1)))
            .defaultValue(Duration.ofSeconds(10))
            .doc("a node not heard from for this long is dead: the others drop its routes and client ids."
                    + " Whole seconds; heartbeats go every fifth of it (at least 1s)")
            .build();

    public static final ConfigKey<Duration> JOIN_WAIT = ConfigKey.builder("cluster.join_wait", ValueType.duration())
            .defaultValue(Duration.ofSeconds(2))
            .doc("how long a starting node looks for its seeds before it forms a cluster alone (whole seconds)")
            .build();

    /** {@link #NETSPLIT_QUORUM} {@code majority}: more than half of the known nodes (a tie: the half with the first name). */
    public static final int QUORUM_MAJORITY = 0;

    /** {@link #NETSPLIT_QUORUM} {@code all}: every known node (VerneMQ's rule: any unreachable node is a netsplit). */
    public static final int QUORUM_ALL = -1;

    public static final ConfigKey<Integer> NETSPLIT_QUORUM = ConfigKey.builder(
                    "cluster.netsplit.quorum", new QuorumType())
            .defaultValue(QUORUM_MAJORITY)
            .doc("how many of the known nodes this node must reach to serve as the cluster: majority (more than"
                    + " half; exactly half counts when it holds the known node whose name sorts first), all (any"
                    + " unreachable node puts every side in a netsplit, as VerneMQ) or a number N (at least N"
                    + " nodes, this one included). Without it the node is in a netsplit and the"
                    + " allow_*_during_netsplit keys apply")
            .build();

    public static final ConfigKey<Duration> NETSPLIT_HEAL_CHECK = ConfigKey.builder(
                    "cluster.netsplit.heal_check", ValueType.duration(Duration.ofSeconds(1)))
            .defaultValue(Duration.ofSeconds(10))
            .doc("how often the nodes of a split cluster look for each other to merge again (whole seconds)")
            .build();

    public static final ConfigKey<Boolean> ALLOW_REGISTER_DURING_NETSPLIT = ConfigKey.builder(
                    "allow_register_during_netsplit", ValueType.bool())
            .defaultValue(false)
            .doc("in a netsplit (cluster.netsplit.quorum not reached): on = accept CONNECTs as an island; off ="
                    + " refuse them (v5 CONNACK 0x88 server unavailable, 3.1.1 0x03)")
            .live()
            .build();

    public static final ConfigKey<Boolean> ALLOW_PUBLISH_DURING_NETSPLIT = ConfigKey.builder(
                    "allow_publish_during_netsplit", ValueType.bool())
            .defaultValue(false)
            .doc("in a netsplit: on = accept PUBLISHes as an island; off = refuse them (v5 QoS 1/2 PUBACK/PUBREC"
                    + " 0x83, QoS 0 dropped; 3.1.1: the connection is closed)")
            .live()
            .build();

    public static final ConfigKey<Boolean> ALLOW_SUBSCRIBE_DURING_NETSPLIT = ConfigKey.builder(
                    "allow_subscribe_during_netsplit", ValueType.bool())
            .defaultValue(false)
            .doc("in a netsplit: on = accept SUBSCRIBEs as an island; off = refuse every filter in the SUBACK (v5"
                    + " 0x83, 3.1.1 0x80)")
            .live()
            .build();

    public static final ConfigKey<Integer> OFFLOAD_MAX_CONNECTIONS = ConfigKey.builder(
                    "cluster.offload.max_connections", ValueType.integer(0, Integer.MAX_VALUE))
            .defaultValue(0)
            .live()
            .doc("above this many connected clients, a new MQTT 5 client is sent to the least loaded node"
                    + " (CONNACK 0x9C with a Server Reference); MQTT 3.1/3.1.1 clients are served here. 0 = off")
            .build();

    public static final ConfigKey<String> ADVERTISED_MQTT = ConfigKey.builder(
                    "cluster.advertised_mqtt", new AdvertisedType())
            .defaultValue("")
            .doc("the MQTT address (host:port) other nodes send redirected clients to; empty = the host of"
                    + " cluster.listen and the port of this node's first tcp listener")
            .build();

    public static final ConfigKey<Integer> OUTBOUND_HIGH_WATERMARK = ConfigKey.builder(
                    "cluster.outbound_high_watermark", ValueType.bytes())
            .defaultValue(8 * 1024 * 1024)
            .doc("back-pressure between nodes: while a data link has this many bytes of QoS 1/2 messages the"
                    + " other node has not acknowledged (or of unsent QoS 0 ones), the clients publishing to"
                    + " it are not read; they are read again below half of it; 0 = no limit")
            .build();

    public static final ConfigKey<Optional<HostPort>> DATA_ADVERTISE = ConfigKey.builder(
                    "cluster.data_advertise", new AdvertiseType())
            .defaultValue(Optional.empty())
            .doc("the ip:port other nodes connect to for this node's data port when it is not the bound one"
                    + " (port forwarding, NAT, a proxy); empty = the host of cluster.listen and cluster.data_port")
            .build();

    static List<ConfigKey<?>> all() {
        return List.of(
                CLUSTER,
                NAME,
                NODE_NAME,
                LISTEN,
                DATA_PORT,
                SEEDS,
                FAILURE_TIMEOUT,
                JOIN_WAIT,
                OFFLOAD_MAX_CONNECTIONS,
                ADVERTISED_MQTT,
                OUTBOUND_HIGH_WATERMARK,
                DATA_ADVERTISE,
                NETSPLIT_QUORUM,
                NETSPLIT_HEAL_CHECK,
                ALLOW_REGISTER_DURING_NETSPLIT,
                ALLOW_PUBLISH_DURING_NETSPLIT,
                ALLOW_SUBSCRIBE_DURING_NETSPLIT);
    }

    /** majority ({@link #QUORUM_MAJORITY}), all ({@link #QUORUM_ALL}) or a node count 1..1000. */
    private static final class QuorumType implements ValueType<Integer> {
        @Override
        public Integer parse(String text) {
            if (text.equalsIgnoreCase("majority")) {
                return QUORUM_MAJORITY;
            }
            if (text.equalsIgnoreCase("all")) {
                return QUORUM_ALL;
            }
            try {
                int n = Integer.parseInt(text);
                if (n >= 1 && n <= 1000) {
                    return n;
                }
            } catch (NumberFormatException e) {
                // falls through to the message below
            }
            throw new IllegalArgumentException("'" + text + "' is not a quorum: majority, all or a node count 1..1000");
        }

        @Override
        public String format(Integer value) {
            return value == QUORUM_MAJORITY ? "majority" : value == QUORUM_ALL ? "all" : String.valueOf(value);
        }

        @Override
        public String describe() {
            return "majority | all | 1..1000";
        }
    }

    /** Empty, or a host:port clients can reach (kept as text: it goes into a Server Reference as given). */
    private static final class AdvertisedType implements ValueType<String> {
        @Override
        public String parse(String text) {
            if (!text.isEmpty()) {
                HostPort hp = HostPort.parse(text);
                if (hp.port() == 0) {
                    throw new IllegalArgumentException("'" + text + "': port 0 is not one clients can connect to");
                }
            }
            return text;
        }

        @Override
        public String format(String value) {
            return value;
        }

        @Override
        public String describe() {
            return "empty or host:port clients reach";
        }

        @Override
        public boolean acceptsEmpty() {
            return true;
        }
    }

    /** host:port others can reach: not a wildcard address, not port 0, room for the data port above it. */
    private static final class ReachableType implements ValueType<HostPort> {
        @Override
        public HostPort parse(String text) {
            HostPort hp = HostPort.parse(text);
            if (hp.host().equals("0.0.0.0")
                    || hp.host().equals("::")
                    || hp.host().equals("0:0:0:0:0:0:0:0")) {
                throw new IllegalArgumentException("'" + text + "': a wildcard address is not one other nodes can"
                        + " reach; give this node's own address, e.g. 10.0.0.5:5701");
            }
            if (hp.port() == 0 || hp.port() == 65535) {
                throw new IllegalArgumentException("'" + text + "': the port must be 1..65534 (other nodes are"
                        + " told it; the data port defaults to it + 1)");
            }
            return hp;
        }

        @Override
        public String format(HostPort value) {
            return ValueType.hostPort().format(value);
        }

        @Override
        public String describe() {
            return "ip:port or host:port other nodes reach, port 1..65534";
        }
    }

    /** Empty, or host:port other nodes can reach: not a wildcard address, not port 0. */
    private static final class AdvertiseType implements ValueType<Optional<HostPort>> {
        @Override
        public Optional<HostPort> parse(String text) {
            if (text.isEmpty()) {
                return Optional.empty();
            }
            HostPort hp = HostPort.parse(text);
            if (hp.host().equals("0.0.0.0")
                    || hp.host().equals("::")
                    || hp.host().equals("0:0:0:0:0:0:0:0")) {
                throw new IllegalArgumentException("'" + text + "': a wildcard address is not one other nodes can"
                        + " reach; give the address they connect to, e.g. 10.0.0.5:5702");
            }
            if (hp.port() == 0) {
                throw new IllegalArgumentException("'" + text + "': other nodes cannot connect to port 0");
            }
            return Optional.of(hp);
        }

        @Override
        public String format(Optional<HostPort> value) {
            return value.map(v -> ValueType.hostPort().format(v)).orElse("");
        }

        @Override
        public String describe() {
            return "empty, or ip:port or host:port other nodes reach";
        }

        @Override
        public boolean acceptsEmpty() {
            return true;
        }
    }

    /** A cluster or node name: letters, digits, '.', '_', '-', at most 64 (empty allowed for the node name). */
    private record NameType(boolean mayBeEmpty) implements ValueType<String> {
        private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

        @Override
        public String parse(String text) {
            if (text.isEmpty() && mayBeEmpty) {
                return text;
            }
            if (!NAME.matcher(text).matches()) {
                throw new IllegalArgumentException(
                        "'" + text + "' is not a name: 1 to 64 letters, digits, '.', '_'" + " or '-'");
            }
            return text;
        }

        @Override
        public String format(String value) {
            return value;
        }

        @Override
        public String describe() {
            return mayBeEmpty ? "empty or a name ([A-Za-z0-9._-], at most 64)" : "a name ([A-Za-z0-9._-], at most 64)";
        }

        @Override
        public boolean acceptsEmpty() {
            return mayBeEmpty;
        }
    }
}
