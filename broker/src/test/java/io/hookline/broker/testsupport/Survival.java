package io.hookline.broker.testsupport;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What every abuse test checks after the attack, over the management HTTP listener of a broker
 * (in-process or a separate process): {@code /health} still answers OK, and the limit's counter
 * in {@code /metrics}.
 */
public final class Survival {

    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private Survival() {}

    /** GET /health on {@code httpPort} answers 200 {"status":"OK"} within 10 s. */
    public static void assertHealthy(int httpPort) {
        HttpResponse<String> r = get(httpPort, "/health");
        assertEquals(200, r.statusCode(), "/health: " + r.body());
    }

    /** The value of the /metrics sample {@code series}, written as Prometheus does, e.g. {@code hookline_limits_hit_total{limit="x"}}; 0 when absent. */
    public static double metric(int httpPort, String series) {
        String body = get(httpPort, "/metrics").body();
        Matcher m =
                Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(body);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    /** hookline_limits_hit_total for {@code limit} (the counter's name without LIMIT_, lower case). */
    public static double limitHits(int httpPort, String limit) {
        return metric(httpPort, "hookline_limits_hit_total{limit=\"" + limit + "\"}");
    }

    public static HttpResponse<String> get(int httpPort, String path) {
        try {
            return HTTP.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path))
                            .timeout(Duration.ofSeconds(10))
                            .GET()
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new AssertionError("GET " + path + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
