package io.hookline.broker.admin;

import io.hookline.api.command.CommandException;
import io.hookline.api.command.CommandRequest;
import io.hookline.api.command.CommandResult;
import io.hookline.api.command.CommandSpec;
import io.hookline.api.command.ParamType;
import io.hookline.broker.protocol.ClientTraces;
import io.hookline.broker.routing.Message;
import io.hookline.broker.session.Session;
import io.hookline.broker.util.StoreBatch;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code session show|disconnect}, {@code retain show|delete} and {@code trace client}. Runs on
 * management worker threads: reads sessions through their monitors and hands disconnects to
 * the connections' event loops. Stateless.
 */
final class SessionCommands {
    static final List<String> SESSION_COLUMNS = List.of(
            "client_id",
            "user",
            "peer_host",
            "peer_port",
            "mountpoint",
            "is_online",
            "protocol",
            "clean_session",
            "queue_size",
            "subscriptions");
    /** Longest wait for a disconnected client's connection to close. */
    private static final long DISCONNECT_WAIT_SECONDS = 10;
    /** How often a silent trace sends an empty line, to notice a caller that went away. */
    private static final long TRACE_HEARTBEAT_SECONDS = 5;
    /** Longest wait for the packet tap to be in a traced client's pipeline before the first line. */
    private static final long ATTACH_WAIT_SECONDS = 5;

    private static final Logger log = LoggerFactory.getLogger(SessionCommands.class);

    private SessionCommands() {}

    static void register(CommandRegistry registry, ManagedBroker broker) {
        CommandSpec.Builder show = CommandSpec.builder("session", "show")
                .help("lists sessions, sorted by client id. --COLUMN=VALUE keeps rows whose column has that value;"
                        + " --COLUMN alone picks the columns shown. Every row is returned unless --limit is given;"
                        + " a limited answer says the total and the --offset of the next page.")
                .flag("limit", ParamType.INTEGER, null, "at most this many rows")
                .flag("offset", ParamType.INTEGER, "0", "skip this many rows first (paging)");
        for (String c : SESSION_COLUMNS) {
            show.flag(c, ParamType.STRING, null, "filter on or show column " + c);
        }
        registry.add(show.build(), request -> sessionShow(broker, request), "core");

        registry.add(
                CommandSpec.builder("session", "disconnect")
                        .help(
                                "closes a client's connection (MQTT 5: DISCONNECT 0x98); --cleanup also removes its session;"
                                        + " --redirect=NODE sends it to another node of the cluster (0x9C)")
                        .argument("client-id", "the client id")
                        .optionalArgument(
                                "mountpoint",
                                ParamType.STRING,
                                "",
                                "the mountpoint of the client's listener (client ids are per mountpoint); empty for none")
                        .flag(
                                "cleanup",
                                ParamType.BOOLEAN,
                                "false",
                                "remove the session too (also of an offline client)")
                        .flag(
                                "redirect",
                                ParamType.STRING,
                                null,
                                "cluster: send the client to node NAME (MQTT 5: DISCONNECT 0x9C Use another server with"
                                        + " that node's MQTT address); 400 for an MQTT 3.1/3.1.1 client, which cannot"
                                        + " be redirected")
                        .changesState()
                        .build(),
                request -> sessionDisconnect(broker, request),
                "core");

        registry.add(
                CommandSpec.builder("retain", "show")
                        .help(
                                "lists retained messages; --topic takes a topic filter (+ and # allowed); the broker's own"
                                        + " $SYS topics only with --topic='$SYS/#'")
                        .flag("topic", ParamType.STRING, null, "only topics matching this filter")
                        .build(),
                request -> retainShow(broker, request),
                "core");

        registry.add(
                CommandSpec.builder("retain", "delete")
                        .help("removes the retained message of a topic (in a cluster: on every node)")
                        .argument("topic", "the exact topic")
                        .changesState()
                        .build(),
                request -> {
                    String topic = request.get("topic");
                    StoreBatch batch = broker.stores().batch();
                    boolean removed = broker.retained().remove(topic, batch);
                    batch.commit();
                    if (!removed) {
                        throw CommandException.notFound("no retained message on topic '" + topic + "'");
                    }
                    broker.cluster().ifPresent(c -> c.retainedDeleted(topic)); // and on every other node
                    return new Reply.Done(CommandResult.text("retained message on '" + topic + "' deleted"));
                },
                "core");

        registry.addStreaming(
                CommandSpec.builder("trace", "client")
                        .help(
                                "streams a client's packets in and out and its hook calls with their answers, until stopped"
                                        + " (Ctrl-C in bin/admin); a client not connected yet is traced once it connects")
                        .argument("client-id", "the client id")
                        .optionalArgument(
                                "mountpoint",
                                ParamType.STRING,
                                null,
                                "only the client on this mountpoint (client ids are per mountpoint); omitted: the client"
                                        + " id on every mountpoint")
                        .flag("seconds", ParamType.INTEGER, "0", "stop after this many seconds; 0 = until stopped")
                        .build(),
                request -> trace(broker, request),
                "core");
    }

    private static Reply sessionShow(ManagedBroker broker, CommandRequest request) {
        Map<String, String> filters = new LinkedHashMap<>();
        List<String> columns = new ArrayList<>();
        for (String c : SESSION_COLUMNS) {
            request.values().entrySet().stream()
                    .filter(e -> e.getKey().equals(c))
                    .findFirst()
                    .ifPresent(e -> {
                        if (e.getValue().isEmpty()) {
                            columns.add(c);
                        } else {
                            filters.put(c, e.getValue());
                        }
                    });
        }
        long limit = request.integer("limit", Long.MAX_VALUE);
        long offset = request.integer("offset", 0);
        if (limit < 0) {
            throw CommandException.badArgument("--limit", "--limit must be 0 or more");
        }
        if (offset < 0) {
            throw CommandException.badArgument("--offset", "--offset must be 0 or more");
        }
        List<Session> all = new ArrayList<>(broker.sessions().all());
        all.sort(Comparator.comparing(Session::clientId));
        List<Map<String, Object>> matching = new ArrayList<>();
        for (Session s : all) {
            Map<String, Object> row = row(s);
            boolean keep = true;
            for (Map.Entry<String, String> f : filters.entrySet()) {
                keep &= f.getValue().equals(String.valueOf(row.get(f.getKey())));
            }
            if (keep) {
                matching.add(row);
            }
        }
        int from = (int) Math.min(offset, matching.size());
        int to = (int) Math.min(matching.size(), from + Math.min(limit, Integer.MAX_VALUE));
        List<Map<String, Object>> page = new ArrayList<>();
        for (Map<String, Object> row : matching.subList(from, to)) {
            if (columns.isEmpty()) {
                page.add(row);
            } else {
                Map<String, Object> picked = new LinkedHashMap<>();
                columns.forEach(c -> picked.put(c, row.get(c)));
                page.add(picked);
            }
        }
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("total", matching.size());
        if (to < matching.size()) {
            extra.put("next_offset", to);
        }
        return new Reply.Done(CommandResult.table(page), extra);
    }

    private static Map<String, Object> row(Session s) {
        Map<String, Object> row = new LinkedHashMap<>();
        InetSocketAddress peer = s.peerAddress();
        row.put("client_id", s.clientId());
        row.put("user", s.username());
        row.put("peer_host", peer == null ? null : peer.getHostString());
        row.put("peer_port", peer == null ? null : peer.getPort());
        row.put("mountpoint", s.mountpoint());
        row.put("is_online", s.isOnline());
        row.put("protocol", s.protocolVersion());
        row.put("clean_session", s.expirySeconds() == 0);
        row.put("queue_size", s.queueSize());
        row.put("subscriptions", s.subscriptions().size());
        return row;
    }

    private static Reply sessionDisconnect(ManagedBroker broker, CommandRequest request) throws Exception {
        String clientId = request.get("client-id");
        String mountpoint = request.value("mountpoint").orElse("");
        boolean cleanup = request.flag("cleanup", false);
        Session s = broker.sessions().get(mountpoint, clientId);
        if (s == null) {
            throw CommandException.notFound("no session for client-id '" + clientId + "'"
                    + (mountpoint.isEmpty() ? "" : " on mountpoint '" + mountpoint + "'"));
        }
        String redirect = request.value("redirect").orElse(null);
        String reference = redirect == null ? null : redirectTarget(broker, redirect, s, cleanup);
        if (!s.isOnline()) {
            if (!cleanup) {
                throw CommandException.conflict(
                        "client '" + clientId + "' is not connected;" + " --cleanup removes its session");
            }
            broker.sessions().remove(mountpoint, clientId);
            return new Reply.Done(CommandResult.text("session of '" + clientId + "' removed"));
        }
        try {
            boolean done = (reference != null
                            ? broker.redirect(mountpoint, clientId, reference)
                            : broker.disconnect(mountpoint, clientId, cleanup))
                    .get(DISCONNECT_WAIT_SECONDS, TimeUnit.SECONDS);
            if (!done) {
                throw CommandException.conflict("client '" + clientId + "' went away before it could be disconnected");
            }
        } catch (TimeoutException e) {
            throw CommandException.conflict("client '" + clientId + "' asked to disconnect; its connection did not"
                    + " close within " + DISCONNECT_WAIT_SECONDS + "s");
        }
        return new Reply.Done(CommandResult.text("client '" + clientId + "' "
                + (reference != null ? "sent to node '" + redirect + "' (" + reference + ")" : "disconnected")
                + (cleanup ? " and its session removed" : "")));
    }

    /** The MQTT address of node {@code name} for --redirect, after checking the client can be sent there. */
    private static String redirectTarget(ManagedBroker broker, String name, Session s, boolean cleanup) {
        var node = broker.cluster()
                .orElseThrow(() -> CommandException.conflict("--redirect needs a cluster (cluster = off)"));
        if (cleanup) {
            throw new CommandException(
                    400, "--redirect and --cleanup do not go together: a redirected client" + " keeps its session");
        }
        if (name.isEmpty()) {
            throw new CommandException(400, "missing value for --redirect (a node name, as cluster show lists it)");
        }
        if (name.equals(node.settings().nodeName())) {
            throw new CommandException(400, "bad value for --redirect: '" + name + "' is this node");
        }
        String address = node.mqttAddressOf(name);
        if (address == null) {
            throw CommandException.notFound("no node '" + name + "' in the cluster (cluster show lists them)");
        }
        if (s.isOnline() && s.protocolVersion() != 5) {
            throw new CommandException(
                    400,
                    "client '" + s.clientId() + "' speaks MQTT " + (s.protocolVersion() == 4 ? "3.1.1" : "3.1")
                            + ", which has no Server Reference: it cannot be redirected (disconnect it without"
                            + " --redirect)");
        }
        return address;
    }

    private static Reply retainShow(ManagedBroker broker, CommandRequest request) {
        List<Message> found = new ArrayList<>();
        String filter = request.value("topic").orElse(null);
        if (filter != null && !filter.isEmpty()) {
            broker.retained().matching(filter, broker.clock().millis(), found::add);
        } else {
            broker.retained().forEach(m -> {
                if (!m.topic().startsWith("$SYS/")) { // the broker's own: shown when --topic asks for them
                    found.add(m);
                }
            });
        }
        found.sort(Comparator.comparing(Message::topic));
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Message m : found) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("topic", m.topic());
            row.put("qos", m.qos());
            row.put("payload", new String(m.payload(), StandardCharsets.UTF_8));
            row.put("payload_bytes", m.payload().length);
            rows.add(row);
        }
        return new Reply.Done(CommandResult.table(rows));
    }

    private static Reply trace(ManagedBroker broker, CommandRequest request) {
        String clientId = request.get("client-id");
        String mountpoint = request.value("mountpoint").orElse(null);
        long seconds = request.integer("seconds", 0);
        if (seconds < 0) {
            throw CommandException.badArgument("--seconds", "--seconds must be 0 or more");
        }
        return new Reply.Stream(out -> {
            BlockingQueue<String> lines = new LinkedBlockingQueue<>(10_000);
            ClientTraces traces = broker.traces();
            try (ClientTraces.Trace t =
                    traces.watch(mountpoint, clientId, line -> lines.offer(Instant.now() + " " + line))) {
                boolean online = broker.sessions().all().stream()
                        .anyMatch(s -> s.clientId().equals(clientId)
                                && (mountpoint == null || mountpoint.equals(s.mountpoint()))
                                && s.isOnline());
                // once the caller has the first line, the connected client's packets are traced
                try {
                    broker.attachTrace(clientId).get(ATTACH_WAIT_SECONDS, TimeUnit.SECONDS);
                } catch (ExecutionException | TimeoutException e) {
                    log.warn("trace client {}: packet tap not in place yet: {}", clientId, e.toString());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                out.line("tracing client '" + clientId + "'"
                        + (mountpoint == null ? "" : " on mountpoint '" + mountpoint + "'")
                        + " (" + (online ? "connected" : "not connected") + ")");
                long end = seconds == 0 ? Long.MAX_VALUE : System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
                while (System.nanoTime() < end) {
                    long wait = Math.min(TimeUnit.SECONDS.toNanos(TRACE_HEARTBEAT_SECONDS), end - System.nanoTime());
                    String line;
                    try {
                        line = lines.poll(Math.max(0, wait), TimeUnit.NANOSECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt(); // the server is stopping: end the stream
                        return;
                    }
                    out.line(line == null ? "" : line);
                }
            }
        });
    }
}
