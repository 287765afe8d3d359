package io.hookline.broker.http;

import io.hookline.broker.admin.ManagedBroker;
import io.hookline.broker.hooks.plugins.PluginRegistry;
import io.hookline.broker.transport.MqttListener;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.StatusCodes;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code GET /health}: 200 {@code {"status":"OK"}} while every MQTT listener accepts
 * connections and no enabled plugin reports a problem ({@code Plugin.healthProblems}, e.g. a
 * Lua script that cannot run), else 503 {@code {"status":"DOWN","reasons":[...]}} naming each.
 * {@code GET /health/ping}: 200 {@code pong} whenever the HTTP server answers at all (a
 * liveness probe that does not look at the listeners). Thread-safe: stateless, reads the broker's
 * listener list (copy-on-write) and each listener's channel state.
 */
public final class HealthHandler implements HttpHandler {
    private final ManagedBroker broker;

    public HealthHandler(ManagedBroker broker) {
        this.broker = broker;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) {
        if (!HttpReplies.allowGet(exchange)) {
            return;
        }
        String path = exchange.getRequestPath();
        if (path.endsWith("/ping")) {
            exchange.setStatusCode(StatusCodes.OK);
            exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/plain; charset=utf-8");
            exchange.getResponseHeaders().put(Headers.CACHE_CONTROL, "no-store");
            exchange.getResponseSender().send("pong", StandardCharsets.UTF_8);
            return;
        }
        List<String> reasons = reasons();
        JsonText json = new JsonText().object().field("status", reasons.isEmpty() ? "OK" : "DOWN");
        if (!reasons.isEmpty()) {
            json.array("reasons");
            reasons.forEach(json::value);
            json.end();
        }
        HttpReplies.json(
                exchange,
                reasons.isEmpty() ? StatusCodes.OK : StatusCodes.SERVICE_UNAVAILABLE,
                json.end().toString());
    }

    /** @return why the broker is not healthy; empty when it is */
    public List<String> reasons() {
        List<MqttListener> listeners = broker.listeners();
        List<String> reasons = new ArrayList<>();
        if (listeners.isEmpty()) {
            reasons.add("no MQTT listener is running");
        }
        for (MqttListener l : listeners) {
            if (!l.isOpen()) {
                reasons.add("listener " + l.kind() + "." + l.name() + " is not accepting connections");
            }
        }
        for (PluginRegistry.Status s : broker.plugins().list()) {
            if (s.state() != PluginRegistry.State.ENABLED) {
                continue;
            }
            broker.plugins().plugin(s.name()).ifPresent(p -> {
                try {
                    p.healthProblems().forEach(problem -> reasons.add("plugin " + s.name() + ": " + problem));
                } catch (RuntimeException e) {
                    reasons.add("plugin " + s.name() + ": its health check failed: " + e);
                }
            });
        }
        return reasons;
    }
}
