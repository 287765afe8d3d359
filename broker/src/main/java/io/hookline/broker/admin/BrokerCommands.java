package io.hookline.broker.admin;

import io.hookline.api.command.CommandException;
import io.hookline.api.command.CommandRequest;
import io.hookline.api.command.CommandResult;
import io.hookline.api.command.CommandSpec;
import io.hookline.api.command.ParamType;
import io.hookline.api.hook.Hook;
import io.hookline.api.hook.Hooks;
import io.hookline.broker.config.Config;
import io.hookline.broker.config.ConfigException;
import io.hookline.broker.config.ConfigKey;
import io.hookline.broker.hooks.HandlerInfo;
import io.hookline.broker.hooks.plugins.PluginRegistry;
import io.hookline.broker.metrics.BrokerMetrics;
import io.hookline.broker.transport.MqttListener;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code plugin}, {@code listener}, {@code metrics}, {@code config} and {@code api-key}
 * commands. Stateless; runs on management worker threads.
 */
final class BrokerCommands {
    private static final long PLUGIN_WAIT_SECONDS = 30;

    private BrokerCommands() {}

    static void register(CommandRegistry registry, ManagedBroker broker, ApiKeys keys, HttpListeners http) {
        registry.add(
                CommandSpec.builder("plugin", "show")
                        .help("the effective order of every hook chain (lower priority runs first) with each handler's"
                                + " calls, errors, timeouts and mean latency; plugins without handlers are listed too")
                        .flag("hook", ParamType.STRING, null, "only this hook, e.g. auth_on_publish")
                        .build(),
                request -> pluginShow(broker, request),
                "core");
        registry.add(
                CommandSpec.builder("plugin", "enable")
                        .help("starts a plugin now (runtime only: broker.conf decides at the next start)")
                        .argument("name", "the plugin name")
                        .changesState()
                        .build(),
                request -> plugin(broker, request.get("name"), true),
                "core");
        registry.add(
                CommandSpec.builder("plugin", "disable")
                        .help("removes a plugin's handlers now, lets calls in flight finish, then stops it"
                                + " (runtime only: broker.conf decides at the next start)")
                        .argument("name", "the plugin name")
                        .changesState()
                        .build(),
                request -> plugin(broker, request.get("name"), false),
                "core");

        registry.add(
                CommandSpec.builder("listener", "show")
                        .help("the MQTT and HTTP listeners with their addresses and open connections")
                        .build(),
                request -> listenerShow(broker, http),
                "core");
        registry.add(
                CommandSpec.builder("listener", "stop")
                        .help("stops an MQTT listener accepting connections; --disconnect also closes its clients'"
                                + " connections (MQTT 5: DISCONNECT 0x98). Not persisted: a restart opens it again.")
                        .argument("name", "the listener as KIND.NAME, e.g. tcp.default")
                        .flag("disconnect", ParamType.BOOLEAN, "false", "also disconnect the clients it accepted")
                        .changesState()
                        .build(),
                request -> listenerStop(broker, request),
                "core");
        registry.add(
                CommandSpec.builder("listener", "start")
                        .help("starts a stopped MQTT listener again on its configured address")
                        .argument("name", "the listener as KIND.NAME, e.g. tcp.default")
                        .changesState()
                        .build(),
                request -> listenerStart(broker, request),
                "core");
        registry.add(
                CommandSpec.builder("metrics", "show")
                        .help("the broker's counters (the same figures /metrics exports)")
                        .build(),
                request -> metricsShow(broker.metrics()),
                "core");

        registry.add(
                CommandSpec.builder("config", "show")
                        .help("every key with its value in effect, default, whether it is live and where it was set;"
                                + " or one key")
                        .optionalArgument("key", ParamType.STRING, null, "one key, e.g. max_inflight_messages")
                        .build(),
                request -> configShow(broker.config(), request),
                "core");
        registry.add(
                CommandSpec.builder("config", "set")
                        .help("changes live keys at runtime: all of them or, when one is unknown, not live or invalid,"
                                + " none. Not persisted: broker.conf is not written, a restart goes back to it.")
                        .freeArguments("KEY=VALUE pairs of live keys (config show says which keys are live)")
                        .changesState()
                        .build(),
                request -> configSet(broker, request),
                "core");

        if (keys == null) {
            return; // no HTTP listener: no keys to manage
        }
        registry.add(
                CommandSpec.builder("api-key", "create")
                        .help("makes a management API key and shows it once (only its hash is stored)")
                        .optionalArgument(
                                "scope",
                                ParamType.STRING,
                                "mgmt",
                                "comma-separated scopes: mgmt, metrics, status, health, publish")
                        .optionalArgument(
                                "client_id",
                                ParamType.STRING,
                                null,
                                "the client id (and user name) a publish key publishes as, what auth_on_publish and"
                                        + " the ACL see; default api-<key prefix>")
                        .changesState()
                        .build(),
                request -> apiKeyCreate(keys, request),
                "core");
        registry.add(
                CommandSpec.builder("api-key", "delete")
                        .help("revokes an API key, given whole or by the prefix api-key show prints (at least 4"
                                + " characters, matching one key only)")
                        .argument("key", "the key or its prefix")
                        .changesState()
                        .build(),
                request -> apiKeyDelete(keys, request.get("key")),
                "core");
        registry.add(
                CommandSpec.builder("api-key", "show")
                        .help("the API keys by their first characters, with scopes")
                        .build(),
                request -> apiKeyShow(keys),
                "core");
    }

    private static Reply pluginShow(ManagedBroker broker, CommandRequest request) {
        String only = request.value("hook").orElse(null);
        if (only != null && Hooks.all().stream().map(Hook::name).noneMatch(only::equals)) {
            throw CommandException.badArgument("--hook", "--hook: unknown hook '" + only + "'");
        }
        Map<String, PluginRegistry.State> states = new LinkedHashMap<>();
        for (PluginRegistry.Status s : broker.plugins().list()) {
            states.put(s.name(), s.state());
        }
        List<Map<String, Object>> rows = new ArrayList<>();
        Set<String> withHandlers = new HashSet<>();
        for (Map.Entry<String, List<HandlerInfo>> chain :
                broker.hooks().engine().orderOfAll().entrySet()) {
            if (only != null && !only.equals(chain.getKey())) {
                continue;
            }
            for (HandlerInfo h : chain.getValue()) {
                withHandlers.add(h.plugin());
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("hook", h.hook());
                row.put("position", h.position());
                row.put("plugin", h.plugin());
                row.put("state", state(states.get(h.plugin())));
                row.put("priority", h.priority());
                row.put("mode", h.async() ? "async" : h.mayBlock() ? "blocking" : "inline");
                row.put("timeout_ms", h.timeout().toMillis());
                row.put("on_error", h.onFailure().name().toLowerCase(Locale.ROOT));
                row.put("calls", h.stats().calls());
                row.put("errors", h.stats().errors());
                row.put("timeouts", h.stats().timeouts());
                row.put("cancelled", h.stats().cancelled());
                long n = h.stats().latency().count();
                row.put("latency_avg_us", n == 0 ? 0 : h.stats().latency().sum() / n / 1000);
                rows.add(row);
            }
        }
        if (only == null) {
            for (PluginRegistry.Status s : broker.plugins().list()) {
                if (!withHandlers.contains(s.name())) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    row.put("hook", null);
                    row.put("position", null);
                    row.put("plugin", s.name());
                    row.put("state", state(s.state()) + (s.problem() == null ? "" : ": " + s.problem()));
                    rows.add(row);
                }
            }
        }
        return new Reply.Done(CommandResult.table(rows));
    }

    private static String state(PluginRegistry.State s) {
        return s == null ? "core" : s.name().toLowerCase(Locale.ROOT);
    }

    private static Reply plugin(ManagedBroker broker, String name, boolean enable) throws Exception {
        if (broker.plugins().list().stream().noneMatch(s -> s.name().equals(name))) {
            throw CommandException.notFound("no plugin called '" + name + "'; known: "
                    + broker.plugins().list().stream()
                            .map(PluginRegistry.Status::name)
                            .toList());
        }
        try {
            (enable ? broker.plugins().enable(name) : broker.plugins().disable(name))
                    .toCompletableFuture()
                    .get(PLUGIN_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw CommandException.conflict("plugin " + name + " failed to start: " + e.getCause());
        } catch (TimeoutException e) {
            throw CommandException.conflict("plugin " + name + " did not " + (enable ? "start" : "stop") + " within "
                    + PLUGIN_WAIT_SECONDS + "s");
        }
        return new Reply.Done(CommandResult.text("plugin " + name + (enable ? " enabled" : " disabled")));
    }

    private static Reply listenerShow(ManagedBroker broker, HttpListeners http) {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (MqttListener l : broker.listeners()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("type", l.kind());
            row.put("name", l.name());
            row.put(
                    "address",
                    l.boundAddress() == null ? null : l.boundAddress().getHostString());
            row.put("port", l.boundAddress() == null ? null : l.boundAddress().getPort());
            row.put("status", l.isOpen() ? "running" : "stopped");
            row.put("connections", l.openConnections());
            row.put("mountpoint", l.settings().info().mountpoint());
            rows.add(row);
        }
        for (HttpListeners.Bound b : http.bound()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("type", "http");
            row.put("name", b.name());
            row.put("address", b.address().getHostString());
            row.put("port", b.address().getPort());
            row.put("status", "running");
            row.put("connections", null);
            row.put("mountpoint", null);
            rows.add(row);
        }
        return new Reply.Done(CommandResult.table(rows));
    }

    private static Reply listenerStop(ManagedBroker broker, CommandRequest request) {
        String name = request.get("name");
        try {
            int n = broker.stopListener(name, request.flag("disconnect", false));
            return new Reply.Done(
                    CommandResult.text(
                            "listener " + name + " stopped" + (n > 0 ? "; " + n + " client(s) disconnected" : "")),
                    Map.of());
        } catch (IllegalArgumentException e) {
            throw CommandException.badArgument("name", "name: " + e.getMessage());
        } catch (IllegalStateException e) {
            throw CommandException.conflict(e.getMessage());
        }
    }

    private static Reply listenerStart(ManagedBroker broker, CommandRequest request) {
        String name = request.get("name");
        try {
            broker.startListener(name);
            return new Reply.Done(CommandResult.text("listener " + name + " started"), Map.of());
        } catch (IllegalArgumentException e) {
            throw CommandException.badArgument("name", "name: " + e.getMessage());
        } catch (IllegalStateException e) {
            throw CommandException.conflict(e.getMessage());
        } catch (MqttListener.ListenerException e) {
            throw new CommandException(409, e.getMessage());
        }
    }

    private static Reply metricsShow(BrokerMetrics m) {
        List<Map<String, Object>> rows = new ArrayList<>();
        add(rows, "connections", m.connections().get());
        for (int qos = 0; qos <= 2; qos++) {
            add(rows, "messages_in_qos" + qos, m.messagesIn(qos));
            add(rows, "messages_out_qos" + qos, m.messagesOut(qos));
        }
        add(rows, "bytes_in", m.bytesIn());
        add(rows, "bytes_out", m.bytesOut());
        for (Map.Entry<BrokerMetrics.Counter, Long> e : m.snapshot().entrySet()) {
            add(rows, e.getKey().name().toLowerCase(Locale.ROOT), e.getValue());
        }
        add(rows, "uptime_seconds", m.uptimeSeconds());
        return new Reply.Done(CommandResult.table(rows));
    }

    private static void add(List<Map<String, Object>> rows, String name, long value) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("metric", name);
        row.put("value", value);
        rows.add(row);
    }

    private static Reply configShow(Config config, CommandRequest request) {
        String only = request.value("key").orElse(null);
        List<Map<String, Object>> rows = new ArrayList<>();
        TreeSet<String> names = new TreeSet<>();
        Map<String, ConfigKey<?>> declared = new LinkedHashMap<>();
        for (ConfigKey<?> k : config.keys()) {
            if (!k.isPattern()) {
                names.add(k.name());
                declared.put(k.name(), k);
            }
        }
        names.addAll(config.entries().keySet());
        if (only != null) {
            if (!names.contains(only)) {
                throw CommandException.notFound("unknown or unset key '" + only + "'");
            }
            names.retainAll(Set.of(only));
        }
        for (String name : names) {
            ConfigKey<?> k = declared.get(name);
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("key", name);
            row.put("value", config.raw(name).orElse(null));
            row.put("default", k == null ? null : k.defaultText());
            row.put("live", k != null && k.live());
            row.put("origin", config.origin(name).orElse("default"));
            row.put("doc", k == null ? null : k.doc());
            rows.add(row);
        }
        return new Reply.Done(CommandResult.table(rows));
    }

    private static Reply configSet(ManagedBroker broker, CommandRequest request) {
        Map<String, String> changes = request.values();
        if (changes.isEmpty()) {
            throw new CommandException(400, "missing KEY=VALUE: config set takes one or more live keys");
        }
        try {
            broker.changeConfig(changes);
        } catch (ConfigException e) {
            throw new CommandException(400, "nothing changed: " + String.join("; ", e.problems()));
        }
        List<Map<String, Object>> rows = new ArrayList<>();
        changes.forEach((k, v) -> {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("key", k);
            row.put("value", v);
            rows.add(row);
        });
        return new Reply.Done(CommandResult.table(rows));
    }

    private static Reply apiKeyCreate(ApiKeys keys, CommandRequest request) throws Exception {
        Set<ApiKeys.Scope> scopes = EnumSet.noneOf(ApiKeys.Scope.class);
        for (String w : request.get("scope").split(",")) {
            try {
                scopes.add(ApiKeys.Scope.of(w));
            } catch (IllegalArgumentException e) {
                throw CommandException.badArgument("scope", "scope: " + e.getMessage());
            }
        }
        String key;
        try {
            key = keys.create(scopes, request.value("client_id").orElse(null));
        } catch (IllegalArgumentException e) {
            throw CommandException.badArgument("client_id", "client_id: " + e.getMessage());
        }
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("key", key);
        row.put("scopes", words(scopes));
        row.put("client_id", keys.entry(key).map(ApiKeys.Entry::clientId).orElse(null));
        return new Reply.Done(CommandResult.table(List.of(row)));
    }

    private static Reply apiKeyShow(ApiKeys keys) {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (ApiKeys.Entry e : keys.list()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("key_prefix", e.prefix() + "...");
            row.put("scopes", words(e.scopes()));
            row.put("created", e.created());
            row.put("client_id", e.clientId());
            rows.add(row);
        }
        return new Reply.Done(CommandResult.table(rows));
    }

    private static Reply apiKeyDelete(ApiKeys keys, String keyOrPrefix) throws Exception {
        Optional<ApiKeys.Entry> gone;
        try {
            gone = keys.deleteByKeyOrPrefix(keyOrPrefix);
        } catch (IllegalArgumentException e) {
            throw CommandException.badArgument("key", "key: " + e.getMessage());
        }
        if (gone.isEmpty()) {
            throw CommandException.notFound("no API key is or starts with '" + keyOrPrefix + "'");
        }
        return new Reply.Done(CommandResult.text("API key " + gone.get().prefix() + "... deleted"));
    }

    private static String words(Set<ApiKeys.Scope> scopes) {
        TreeSet<String> w = new TreeSet<>();
        scopes.forEach(s -> w.add(s.word()));
        return String.join(",", w);
    }
}
