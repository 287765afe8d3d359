package io.hookline.broker.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.hookline.api.command.CommandException;
import io.hookline.api.command.CommandParam;
import io.hookline.api.command.CommandRequest;
import io.hookline.api.command.CommandResult;
import io.hookline.api.command.CommandSpec;
import io.hookline.broker.admin.AdminCommand;
import io.hookline.broker.admin.ApiKeys;
import io.hookline.broker.admin.CommandCall;
import io.hookline.broker.admin.CommandRegistry;
import io.hookline.broker.admin.Reply;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.Methods;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code /api/v1/<command words>}: finds the command, checks the key, the method and the
 * arguments, runs it on an Undertow worker thread (never the IO thread, never a Netty loop) and
 * answers VerneMQ-shaped JSON. {@code /api/v1/_commands} describes the tree for {@code bin/admin}.
 * Thread-safe: stateless over the registry.
 */
final class ApiHandler implements HttpHandler {
    private static final Logger LOG = LoggerFactory.getLogger(ApiHandler.class);
    private static final int MAX_BODY = 64 * 1024;

    private final CommandRegistry registry;
    private final ApiKeyGate gate;
    private final List<CommandSpec> servedElsewhere;

    /** @param servedElsewhere commands with their own path (publish), listed in {@code _commands} for bin/admin */
    ApiHandler(CommandRegistry registry, ApiKeyGate gate, List<CommandSpec> servedElsewhere) {
        this.registry = registry;
        this.gate = gate;
        this.servedElsewhere = List.copyOf(servedElsewhere);
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) throws Exception {
        if (exchange.isInIoThread()) {
            exchange.dispatch(this);
            return;
        }
        exchange.startBlocking();
        if (!gate.allow(exchange, ApiKeys.Scope.MGMT)) {
            return;
        }
        List<String> words = new ArrayList<>();
        for (String w : exchange.getRelativePath().split("/")) {
            if (!w.isEmpty()) {
                words.add(w);
            }
        }
        if (words.equals(List.of("_commands"))) {
            Json.send(exchange, 200, describe());
            return;
        }
        CommandRegistry.Match match = registry.find(words);
        if (match == null) {
            List<String> near = registry.suggestions(words);
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("type", "error");
            body.put(
                    "error",
                    "unknown command '" + String.join(" ", words) + "'"
                            + (near.isEmpty() ? "" : "; did you mean: " + String.join(", ", near)));
            body.put("suggestions", near);
            Json.send(exchange, 404, body);
            return;
        }
        CommandSpec spec = match.command().spec();
        boolean post = exchange.getRequestMethod().equals(Methods.POST);
        if (!post && !exchange.getRequestMethod().equals(Methods.GET)) {
            exchange.getResponseHeaders().put(Headers.ALLOW, spec.changesState() ? "POST" : "GET, POST");
            Json.error(
                    exchange,
                    405,
                    exchange.getRequestMethod() + " is not supported: use " + (spec.changesState() ? "POST" : "GET"));
            return;
        }
        if (spec.changesState() && !post) {
            exchange.getResponseHeaders().put(Headers.ALLOW, "POST");
            Json.error(exchange, 405, "'" + spec.name() + "' changes state: use POST");
            return;
        }
        try {
            Map<String, String> raw = queryValues(exchange);
            if (post) {
                raw.putAll(bodyValues(exchange, spec));
            }
            CommandRequest request = CommandCall.bind(spec, raw, match.rest());
            answer(exchange, match.command(), match.command().handler().run(request));
        } catch (CommandException e) {
            Json.error(exchange, e.status(), e.getMessage());
        } catch (Exception e) {
            LOG.error("admin command '{}' failed", spec.name(), e);
            Json.error(exchange, 500, "'" + spec.name() + "' failed: " + e);
        }
    }

    private static void answer(HttpServerExchange exchange, AdminCommand command, Reply reply) throws Exception {
        if (reply instanceof Reply.Done done) {
            Map<String, Object> body = new LinkedHashMap<>();
            if (done.result() instanceof CommandResult.Table t) {
                body.put("type", "table");
                body.put("table", t.rows());
            } else if (done.result() instanceof CommandResult.Text t) {
                body.put("type", "text");
                body.put("text", t.text());
            }
            body.putAll(done.extra());
            Json.send(exchange, 200, body);
        } else if (reply instanceof Reply.Stream stream) {
            exchange.setStatusCode(200);
            exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/plain; charset=utf-8");
            OutputStream out = exchange.getOutputStream();
            try {
                stream.streamer().run(line -> {
                    out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
                    out.flush();
                });
            } catch (IOException e) {
                LOG.debug("'{}': the caller went away", command.spec().name());
            } finally {
                try {
                    out.close();
                } catch (IOException e) {
                    LOG.debug("'{}': closing the stream: {}", command.spec().name(), e.toString());
                }
            }
        }
    }

    private static Map<String, String> queryValues(HttpServerExchange exchange) {
        Map<String, String> raw = new LinkedHashMap<>();
        for (Map.Entry<String, Deque<String>> e : exchange.getQueryParameters().entrySet()) {
            if (e.getValue().size() > 1) {
                throw new CommandException(400, "'" + e.getKey() + "' is given more than once");
            }
            raw.put(e.getKey(), e.getValue().isEmpty() ? "" : e.getValue().getFirst());
        }
        return raw;
    }

    /** A JSON object of names to values; a name that is a flag of the command may come without its dashes. */
    private static Map<String, String> bodyValues(HttpServerExchange exchange, CommandSpec spec) throws IOException {
        InputStream in = exchange.getInputStream();
        byte[] bytes = in.readNBytes(MAX_BODY + 1);
        if (bytes.length > MAX_BODY) {
            throw new CommandException(413, "request body over " + MAX_BODY + " bytes");
        }
        Map<String, String> raw = new LinkedHashMap<>();
        if (new String(bytes, StandardCharsets.UTF_8).isBlank()) {
            return raw;
        }
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(bytes);
        } catch (JsonProcessingException e) {
            throw new CommandException(400, "malformed JSON body: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new CommandException(400, "malformed JSON body: expected an object of argument names to values");
        }
        Iterator<Map.Entry<String, JsonNode>> fields = root.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> f = fields.next();
            JsonNode v = f.getValue();
            if (!v.isValueNode() || v.isNull()) {
                throw new CommandException(400, "argument " + f.getKey() + ": expected a string, number or boolean");
            }
            String name = f.getKey();
            boolean isFlag = spec.flags().stream().anyMatch(p -> p.name().equals(f.getKey()))
                    && spec.arguments().stream().noneMatch(p -> p.name().equals(f.getKey()));
            raw.put(isFlag ? "--" + name : name, v.asText());
        }
        return raw;
    }

    private List<Map<String, Object>> describe() {
        List<Map<String, Object>> out = new ArrayList<>();
        for (AdminCommand c : registry.all()) {
            out.add(describe(c.spec(), c.owner(), c.streams()));
        }
        for (CommandSpec s : servedElsewhere) {
            out.add(describe(s, "core", false));
        }
        return out;
    }

    private static Map<String, Object> describe(CommandSpec s, String owner, boolean streams) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("words", s.words());
        m.put("help", s.help());
        m.put("changes_state", s.changesState());
        m.put("owner", owner);
        m.put("arguments", params(s.arguments()));
        m.put("flags", params(s.flags()));
        m.put("free_arguments", s.freeArguments());
        m.put("streams", streams);
        return m;
    }

    private static List<Map<String, Object>> params(List<CommandParam> ps) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (CommandParam p : ps) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", p.name());
            m.put("type", p.type().name().toLowerCase(java.util.Locale.ROOT));
            m.put("required", p.required());
            m.put("default", p.defaultValue());
            m.put("help", p.help());
            out.add(m);
        }
        return out;
    }
}
