package io.hookline.broker.http;

import io.hookline.broker.admin.ApiKeys;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;

/**
 * Puts {@code /metrics}, {@code /health} or {@code /status} behind a key with {@code scope}
 * when configured ({@code http.SCOPE.require_key = on}); otherwise passes every request on.
 * Immutable.
 */
final class ScopeGate implements HttpHandler {
    private final ApiKeyGate gate;
    private final ApiKeys.Scope scope;
    private final boolean required;
    private final HttpHandler next;

    ScopeGate(ApiKeyGate gate, ApiKeys.Scope scope, boolean required, HttpHandler next) {
        this.gate = gate;
        this.scope = scope;
        this.required = required;
        this.next = next;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) throws Exception {
        if (!required || gate.allow(exchange, scope)) {
            next.handleRequest(exchange);
        }
    }
}
