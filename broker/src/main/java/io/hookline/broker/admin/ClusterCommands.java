package io.hookline.broker.admin;

import io.hookline.api.command.CommandException;
import io.hookline.api.command.CommandResult;
import io.hookline.api.command.CommandSpec;
import io.hookline.api.command.ParamType;
import io.hookline.broker.cluster.ClusterNode;
import io.hookline.broker.cluster.MemberOps;
import io.hookline.broker.cluster.NetsplitView;
import io.hookline.broker.cluster.NodeStatus;
import io.hookline.broker.cluster.SessionMigration;
import io.hookline.broker.config.HostPort;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** {@code cluster show|join|leave|migrate-sessions}: the nodes of the cluster this broker is in (docs/cluster.md). */
final class ClusterCommands {

    /** How long {@code cluster show} waits for the other nodes' answers. */
    private static final long SHOW_TIMEOUT_MILLIS = 5000;

    private ClusterCommands() {}

    static void register(CommandRegistry registry, ManagedBroker broker) {
        registry.add(
                CommandSpec.builder("cluster", "show")
                        .help("the nodes of the cluster: name, address (cluster.listen), running, connected clients,"
                                + " sessions, topic filters subscribed there, messages forwarded to and from it by other"
                                + " nodes since it started; a node that died shows running false"
                                + " until its routes are removed; then this node's view of netsplits: the known nodes"
                                + " it cannot reach, whether it holds the quorum (cluster.netsplit.quorum) and what it"
                                + " refuses meanwhile (allow_*_during_netsplit). 409 with cluster = off")
                        .build(),
                request -> show(broker),
                "core");
        registry.add(
                CommandSpec.builder("cluster", "join")
                        .help("this node joins the cluster of discovery-node (that node's cluster.listen) at run time:"
                                + " its Hazelcast member restarts with that seed while its clients stay connected, and"
                                + " its routes, client ids and retained messages go to the cluster it joins. 409 when"
                                + " it is in a cluster of several nodes already (leave it first) or with cluster = off;"
                                + " 504 when nobody answered there")
                        .argument("discovery-node", "HOST:PORT, the cluster.listen of a node of the cluster to join")
                        .changesState()
                        .build(),
                request -> join(broker, request.get("discovery-node")),
                "core");
        registry.add(
                CommandSpec.builder("cluster", "leave")
                        .help(
                                "node NAME (this one or another) leaves the cluster: its MQTT 5 clients get DISCONNECT"
                                        + " 0x9C with the least loaded other node's address (older clients are closed), its"
                                        + " routes and client ids are removed, and it serves only its own clients, alone,"
                                        + " until cluster join (or a restart with cluster.seeds). A known node that is"
                                        + " unreachable (dead for good) is forgotten on every node instead: it no longer counts"
                                        + " for the quorum (cluster.netsplit.quorum). 404 for a node neither a member nor known")
                        .argument("node", "the node's name (cluster.node_name, as cluster show lists it)")
                        .flag(
                                "migrate_sessions",
                                ParamType.BOOLEAN,
                                "false",
                                "first send its clients away, then move its persistent sessions (subscriptions, queue,"
                                        + " messages in flight) to the other nodes, then leave; if some did not move"
                                        + " (502 naming them and why) or the moves did not end within --timeout (504)"
                                        + " the node stays in the cluster. 409 for an unreachable node")
                        .flag(
                                "timeout",
                                ParamType.INTEGER,
                                String.valueOf(MemberOps.MIGRATE_WAIT_SECONDS),
                                "with --migrate_sessions: seconds to wait for the moves before answering 504 (the node"
                                        + " stays; the moves go on)")
                        .changesState()
                        .build(),
                request -> leave(
                        broker,
                        request.get("node"),
                        request.flag("migrate_sessions", false),
                        request.integer("timeout", MemberOps.MIGRATE_WAIT_SECONDS)),
                "core");
        registry.add(
                CommandSpec.builder("cluster", "migrate-sessions")
                        .help("moves every persistent session of this node (subscriptions, queue, messages in flight)"
                                + " to the other nodes, round-robin; connected clients get DISCONNECT 0x8E. The session"
                                + " half of 'cluster leave --migrate_sessions'. Answers with the sessions moved, those that"
                                + " stayed here (their move failed) and the count per node. 409 with cluster = off or"
                                + " without another node")
                        .flag(
                                "parallel",
                                io.hookline.api.command.ParamType.INTEGER,
                                "4",
                                "sessions moved at once (1 to 64)")
                        .flag(
                                "timeout",
                                io.hookline.api.command.ParamType.INTEGER,
                                "300",
                                "seconds to wait for the moves to end (they go on after an answer that says so)")
                        .changesState()
                        .build(),
                request -> migrate(broker, request.integer("parallel", 4), request.integer("timeout", 300)),
                "core");
    }

    private static ClusterNode node(ManagedBroker broker) {
        return broker.cluster()
                .orElseThrow(() -> CommandException.conflict("this broker is not in a cluster (cluster = off)"));
    }

    private static Reply join(ManagedBroker broker, String discovery) {
        ClusterNode node = node(broker);
        HostPort hp;
        try {
            hp = HostPort.parse(discovery);
        } catch (IllegalArgumentException e) {
            throw new CommandException(400, "bad value for discovery-node: " + e.getMessage());
        }
        if (hp.port() == 0) {
            throw new CommandException(400, "bad value for discovery-node: '" + discovery + "': port 0");
        }
        try {
            return new Reply.Done(CommandResult.text(node.members().join(hp)));
        } catch (MemberOps.Refused r) {
            throw new CommandException(r.status(), r.getMessage());
        }
    }

    private static Reply leave(ManagedBroker broker, String name, boolean migrate, long timeoutSeconds)
            throws InterruptedException {
        ClusterNode node = node(broker);
        requireTimeout(timeoutSeconds);
        try {
            return new Reply.Done(CommandResult.text(node.members().leave(name, migrate, timeoutSeconds)));
        } catch (MemberOps.Refused r) {
            throw new CommandException(r.status(), r.getMessage());
        }
    }

    private static Reply show(ManagedBroker broker) throws InterruptedException {
        ClusterNode node = node(broker);
        List<Map<String, Object>> rows = new ArrayList<>();
        List<NodeStatus> nodes;
        try {
            nodes = node.show(SHOW_TIMEOUT_MILLIS);
        } catch (IllegalStateException e) {
            throw CommandException.conflict("this node left its cluster (cluster leave): cluster join"
                    + " discovery-node=HOST:PORT joins one again");
        }
        for (NodeStatus s : nodes) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("node", s.node());
            row.put("address", s.address());
            row.put("running", s.running());
            row.put("connections", s.connections() < 0 ? null : s.connections());
            row.put("sessions", s.sessions() < 0 ? null : s.sessions());
            row.put("routes", s.routes() < 0 ? null : s.routes());
            row.put("messages_in", s.messagesIn() < 0 ? null : s.messagesIn());
            row.put("messages_out", s.messagesOut() < 0 ? null : s.messagesOut());
            row.put("self", s.node().equals(node.settings().nodeName()));
            rows.add(row);
        }
        NetsplitView split = node.netsplitView();
        Map<String, Object> netsplit = new LinkedHashMap<>();
        netsplit.put("in_netsplit", split.inNetsplit());
        netsplit.put("quorum", split.quorum());
        netsplit.put("known", split.known());
        netsplit.put("reachable", split.reachable());
        netsplit.put("unreachable", split.unreachable());
        if (split.since() != null) {
            netsplit.put("since", split.since());
        }
        netsplit.put("refusing", split.refusing());
        boolean safe = node.replicasSafe();
        String note = split.text()
                + (safe
                        ? ""
                        : "\nreplicas: backups are being copied (a node joined or left); stop no node before"
                                + " this line is gone");
        return new Reply.Done(
                CommandResult.table(rows), Map.of("netsplit", netsplit, "replicas_safe", safe, "note", note));
    }

    /** The --timeout of cluster leave and cluster migrate-sessions: at least a second. */
    private static void requireTimeout(long timeoutSeconds) {
        if (timeoutSeconds < 1) {
            throw CommandException.badArgument("timeout", "must be at least 1 second, not " + timeoutSeconds);
        }
    }

    private static Reply migrate(ManagedBroker broker, long parallel, long timeoutSeconds) throws InterruptedException {
        ClusterNode node = broker.cluster()
                .orElseThrow(() -> CommandException.conflict("this broker is not in a cluster (cluster = off)"));
        if (parallel < 1 || parallel > 64) {
            throw CommandException.badArgument("parallel", "must be 1 to 64, not " + parallel);
        }
        requireTimeout(timeoutSeconds);
        SessionMigration.Result result;
        try {
            result = node.migration()
                    .migrateAll((int) parallel)
                    .toCompletableFuture()
                    .get(timeoutSeconds, TimeUnit.SECONDS);
        } catch (IllegalStateException e) {
            throw CommandException.conflict(e.getMessage());
        } catch (TimeoutException e) {
            return new Reply.Done(CommandResult.text(
                    "sessions still moving after " + timeoutSeconds + " s; see the log for the outcome"));
        } catch (ExecutionException e) {
            throw new IllegalStateException("migrating the sessions failed", e.getCause());
        }
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("moved", result.moved());
        row.put("stayed", result.failed());
        row.put("per_node", result.perNode());
        row.put("why_stayed", result.stayed());
        return new Reply.Done(CommandResult.table(List.of(row)));
    }
}
