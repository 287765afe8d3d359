package io.hookline.broker.http;

import io.hookline.broker.Broker;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;

/**
 * PLACEHOLDER so the management server compiles before the observe branch lands; that
 * branch's class of the same name replaces this file. Answers 503. Stateless.
 */
public final class StatusPageHandler implements HttpHandler {
    public StatusPageHandler(Broker broker) {
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) {
        exchange.setStatusCode(503);
        exchange.getResponseSender().send("not built yet");
    }
}
