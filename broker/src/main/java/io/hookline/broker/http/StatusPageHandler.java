package io.hookline.broker.http;

import io.hookline.broker.admin.ManagedBroker;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import io.undertow.util.StatusCodes;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code GET /status}: one self-contained HTML page (inline CSS and script, no external
 * resource, works offline) that polls {@code /status/data} ({@link StatusDataHandler}) every few
 * seconds and draws clients, message rates, hook chains and listeners. A Content-Security-Policy
 * allows exactly the page's own inline script and style (by hash) and requests to this origin.
 * Thread-safe: immutable after construction.
 */
public final class StatusPageHandler implements HttpHandler {
    static final String RESOURCE = "status.html";
    private static final Pattern SCRIPT = Pattern.compile("<script>(.*?)</script>", Pattern.DOTALL);
    private static final Pattern STYLE = Pattern.compile("<style>(.*?)</style>", Pattern.DOTALL);

    private final byte[] page;
    private final String policy;

    public StatusPageHandler(ManagedBroker broker) {
        String html = load().replace("{{version}}", escapeHtml(broker.version()));
        this.page = html.getBytes(StandardCharsets.UTF_8);
        this.policy = "default-src 'none'; script-src " + hashes(SCRIPT, html) + "; style-src " + hashes(STYLE, html)
                + "; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) {
        if (!HttpReplies.allowGet(exchange)) {
            return;
        }
        exchange.setStatusCode(StatusCodes.OK);
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/html; charset=utf-8");
        exchange.getResponseHeaders().put(Headers.CACHE_CONTROL, "no-cache");
        exchange.getResponseHeaders().put(new HttpString("Content-Security-Policy"), policy);
        exchange.getResponseHeaders().put(new HttpString("X-Content-Type-Options"), "nosniff");
        exchange.getResponseSender().send(java.nio.ByteBuffer.wrap(page));
    }

    private static String load() {
        try (InputStream in = StatusPageHandler.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("status page resource " + RESOURCE + " missing from the broker jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the status page resource", e);
        }
    }

    private static String hashes(Pattern element, String html) {
        StringBuilder out = new StringBuilder();
        Matcher m = element.matcher(html);
        while (m.find()) {
            out.append(out.isEmpty() ? "" : " ")
                    .append("'sha256-")
                    .append(sha256(m.group(1)))
                    .append('\'');
        }
        return out.isEmpty() ? "'none'" : out.toString();
    }

    private static String sha256(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return Base64.getEncoder().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    static String escapeHtml(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
