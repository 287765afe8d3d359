package io.hookline.broker.admin;

import io.hookline.api.command.CommandException;
import io.hookline.api.command.CommandResult;
import io.hookline.api.command.CommandSpec;
import io.hookline.broker.cluster.ClusterNode;
import io.hookline.broker.cluster.NetsplitView;
import io.hookline.broker.cluster.NodeStatus;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code cluster show}: the nodes of the cluster this broker is in (docs/cluster.md). */
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
    }

    private static Reply show(ManagedBroker broker) throws InterruptedException {
        ClusterNode node = broker.cluster()
                .orElseThrow(() -> CommandException.conflict("this broker is not in a cluster (cluster = off)"));
        List<Map<String, Object>> rows = new ArrayList<>();
        for (NodeStatus s : node.show(SHOW_TIMEOUT_MILLIS)) {
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
        return new Reply.Done(CommandResult.table(rows), Map.of("netsplit", netsplit, "note", split.text()));
    }
}
