package io.hookline.broker.http;

import io.hookline.broker.admin.ApiKeys;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

/**
 * Checks the API key of a request: header {@code x-api-key}, or the basic-auth user name
 * ({@code http://KEY@host:8888/...}). Answers 401 (with {@code WWW-Authenticate}) for a missing
 * or unknown key and 403 for a key without the scope. Thread-safe: stateless over {@link ApiKeys}.
 */
final class ApiKeyGate {
    static final HttpString X_API_KEY = new HttpString("x-api-key");

    private final ApiKeys keys;

    ApiKeyGate(ApiKeys keys) {
        this.keys = keys;
    }

    /** @return true when the request may go on; otherwise the error answer has been sent */
    boolean allow(HttpServerExchange exchange, ApiKeys.Scope scope) {
        return admit(exchange, scope) != null;
    }

    /** @return the key's entry when the request may go on; otherwise null, the error answer sent */
    ApiKeys.Entry admit(HttpServerExchange exchange, ApiKeys.Scope scope) {
        String key = keyOf(exchange);
        if (key == null) {
            refuse(exchange, 401, "missing API key: send it as header x-api-key or as the basic-auth user name");
            return null;
        }
        Optional<ApiKeys.Entry> entry = keys.entry(key);
        if (entry.isEmpty()) {
            refuse(exchange, 401, "unknown API key");
            return null;
        }
        if (!entry.get().scopes().contains(scope)) {
            Json.error(exchange, 403, "this API key lacks the '" + scope.word() + "' scope");
            return null;
        }
        return entry.get();
    }

    private static void refuse(HttpServerExchange exchange, int status, String message) {
        exchange.getResponseHeaders().put(Headers.WWW_AUTHENTICATE, "Basic realm=\"hookline\"");
        Json.error(exchange, status, message);
    }

    static String keyOf(HttpServerExchange exchange) {
        String header = exchange.getRequestHeaders().getFirst(X_API_KEY);
        if (header != null && !header.isEmpty()) {
            return header; // exactly as sent: "KEY " is not KEY
        }
        String auth = exchange.getRequestHeaders().getFirst(Headers.AUTHORIZATION);
        if (auth != null && auth.regionMatches(true, 0, "Basic ", 0, 6)) {
            try {
                String decoded =
                        new String(Base64.getDecoder().decode(auth.substring(6).strip()), StandardCharsets.UTF_8);
                int colon = decoded.indexOf(':');
                String user = colon < 0 ? decoded : decoded.substring(0, colon);
                return user.isEmpty() ? null : user;
            } catch (IllegalArgumentException e) {
                return null;
            }
        }
        return null;
    }
}
