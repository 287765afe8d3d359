package io.hookline.broker.http;

import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import io.undertow.util.Methods;
import io.undertow.util.StatusCodes;
import java.nio.charset.StandardCharsets;

/** Small reply helpers shared by the read-only endpoints. Stateless. */
final class HttpReplies {
    private HttpReplies() {}

    /** @return true for GET and HEAD; otherwise answers 405 with {@code Allow} and returns false */
    static boolean allowGet(HttpServerExchange exchange) {
        HttpString method = exchange.getRequestMethod();
        if (Methods.GET.equals(method) || Methods.HEAD.equals(method)) {
            return true;
        }
        exchange.getResponseHeaders().put(Headers.ALLOW, "GET, HEAD");
        json(
                exchange,
                StatusCodes.METHOD_NOT_ALLOWED,
                new JsonText()
                        .object()
                        .field("type", "error")
                        .field("error", method + " " + exchange.getRequestPath() + " is read-only: use GET")
                        .end()
                        .toString());
        return false;
    }

    static void json(HttpServerExchange exchange, int status, String body) {
        exchange.setStatusCode(status);
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json; charset=utf-8");
        exchange.getResponseHeaders().put(Headers.CACHE_CONTROL, "no-store");
        exchange.getResponseSender().send(body, StandardCharsets.UTF_8);
    }
}
