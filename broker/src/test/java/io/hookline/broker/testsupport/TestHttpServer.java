package io.hookline.broker.testsupport;

import io.undertow.Undertow;
import io.undertow.server.HttpHandler;
import io.undertow.server.handlers.PathHandler;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Map;

/**
 * A small real Undertow server on an ephemeral loopback port that mounts the given handlers at
 * exact paths: lets the management handlers be tested before (and apart from) the management
 * server that mounts them in production.
 */
public final class TestHttpServer implements AutoCloseable {
    private final Undertow server;
    private final int port;

    private TestHttpServer(Undertow server, int port) {
        this.server = server;
        this.port = port;
    }

    /** @param handlers path (e.g. {@code /metrics}) to handler */
    public static TestHttpServer start(Map<String, HttpHandler> handlers) {
        PathHandler paths = new PathHandler();
        handlers.forEach(paths::addExactPath);
        Undertow server = Undertow.builder()
                .setIoThreads(1)
                .setWorkerThreads(4)
                .addHttpListener(0, "127.0.0.1")
                .setHandler(paths)
                .build();
        server.start();
        int port = ((InetSocketAddress) server.getListenerInfo().get(0).getAddress()).getPort();
        return new TestHttpServer(server, port);
    }

    public int port() {
        return port;
    }

    public URI uri(String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + port + pathAndQuery);
    }

    @Override
    public void close() {
        server.stop();
    }
}
