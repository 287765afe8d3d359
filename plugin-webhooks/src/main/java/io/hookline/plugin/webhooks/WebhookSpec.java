package io.hookline.plugin.webhooks;

import io.hookline.api.hook.FailurePolicy;
import io.hookline.api.hook.Hook;
import io.hookline.api.hook.HookKind;
import io.hookline.api.hook.Hooks;
import io.hookline.api.hook.input.MessageDrop;
import io.hookline.api.hook.input.PublishInput;
import io.hookline.api.mqtt.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import okhttp3.HttpUrl;

/**
 * One webhook registration: which hook, which endpoint and how to call it. Immutable; build it
 * with {@link #of(String, String)} and the {@code with...} methods, which refuse bad values with
 * a message naming the field.
 *
 * <pre>{@code
 * WebhookSpec spec = WebhookSpec.of("auth_on_register", "http://127.0.0.1:8080/auth")
 *         .withResponseTimeout(Duration.ofMillis(500))
 *         .withOnError("next");
 * }</pre>
 *
 * @param hook the hook name (docs/hooks.md)
 * @param endpoint the http(s) URL to POST to
 * @param base64Payload true to send payloads base64-encoded (VerneMQ's default)
 * @param responseTimeout how long one call may take, queueing included
 * @param onError what a failed call means; null for the hook kind's default (deny for AUTH)
 * @param priority the place in the hook's chain (lower first); null for the plugin's priority
 * @param headers extra request headers (e.g. an auth token)
 * @param secret the HMAC-SHA256 key for the {@code x-hookline-signature} header; null for none
 * @param topicFilters for message hooks: call only for topics matching one of these; empty = all
 * @param batchMax NOTIFY hooks only: send a JSON array of up to this many events per request
 *     (docs/webhooks.md, "Batches"); null for one event per request with the plain body
 * @param h2c true to speak HTTP/2 without TLS to an {@code http://} endpoint, with prior knowledge
 *     (no upgrade: the endpoint must accept the HTTP/2 preface); many calls share one connection
 */
public record WebhookSpec(
        String hook,
        String endpoint,
        boolean base64Payload,
        Duration responseTimeout,
        FailurePolicy onError,
        Integer priority,
        Map<String, String> headers,
        String secret,
        List<String> topicFilters,
        Integer batchMax,
        boolean h2c) {

    /** VerneMQ's default response timeout. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
    /**
     * The largest {@code batch_max}: a batch is one request body held in memory and read whole
     * by the back end, and past a few hundred events per request the saving in requests is nil.
     */
    public static final int MAX_BATCH = 1000;

    public WebhookSpec {
        Objects.requireNonNull(hook, "hook");
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(responseTimeout, "responseTimeout");
        if (Hooks.byName(hook).isEmpty()) {
            throw new IllegalArgumentException("unknown hook '" + hook + "'");
        }
        HttpUrl url = HttpUrl.parse(endpoint);
        if (url == null || !(endpoint.startsWith("http://") || endpoint.startsWith("https://"))) {
            throw new IllegalArgumentException(
                    "malformed endpoint URL '" + endpoint + "' (expected http:// or https://)");
        }
        if (responseTimeout.isNegative() || responseTimeout.isZero()) {
            throw new IllegalArgumentException(
                    "response_timeout must be positive: " + responseTimeout.toMillis() + " ms");
        }
        headers = Map.copyOf(headers == null ? Map.of() : headers);
        for (Map.Entry<String, String> h : headers.entrySet()) {
            if (h.getKey().isEmpty() || !h.getKey().chars().allMatch(c -> c > 32 && c < 127 && c != ':')) {
                throw new IllegalArgumentException("invalid header name '" + h.getKey() + "'");
            }
        }
        if (secret != null && secret.isEmpty()) {
            secret = null;
        }
        topicFilters = List.copyOf(topicFilters == null ? List.of() : topicFilters);
        for (String f : topicFilters) {
            if (!Topics.isValidFilter(f)) {
                throw new IllegalArgumentException("invalid topic filter '" + f + "'");
            }
        }
        if (!topicFilters.isEmpty() && !isMessageHook(Hooks.byName(hook).get())) {
            throw new IllegalArgumentException("topic_filter applies only to message hooks, not to " + hook);
        }
        if (batchMax != null) {
            checkBatchMax(batchMax);
            HookKind kind = Hooks.byName(hook).get().kind();
            if (kind != HookKind.NOTIFY) {
                throw new IllegalArgumentException("batch_max applies only to NOTIFY hooks, not to " + hook + " ("
                        + kind + ": each call needs its own answer)");
            }
        }
        if (h2c && !endpoint.startsWith("http://")) {
            throw new IllegalArgumentException("h2c applies only to http:// endpoints, not to " + endpoint
                    + " (https negotiates HTTP/2 by itself)");
        }
    }

    /** @throws IllegalArgumentException naming {@code batch_max} unless 1 <= value <= {@link #MAX_BATCH} */
    public static void checkBatchMax(long value) {
        if (value < 1 || value > MAX_BATCH) {
            throw new IllegalArgumentException("batch_max must be between 1 and " + MAX_BATCH + ", not " + value);
        }
    }

    /** @return a registration with VerneMQ's defaults: base64 payloads, 5 s timeout, kind-default policy */
    public static WebhookSpec of(String hook, String endpoint) {
        return new WebhookSpec(
                hook, endpoint, true, DEFAULT_TIMEOUT, null, null, Map.of(), null, List.of(), null, false);
    }

    /** @return the hook descriptor */
    public Hook<?> hookDescriptor() {
        return Hooks.byName(hook).orElseThrow();
    }

    public WebhookSpec withBase64Payload(boolean value) {
        return new WebhookSpec(
                hook,
                endpoint,
                value,
                responseTimeout,
                onError,
                priority,
                headers,
                secret,
                topicFilters,
                batchMax,
                h2c);
    }

    public WebhookSpec withResponseTimeout(Duration value) {
        return new WebhookSpec(
                hook, endpoint, base64Payload, value, onError, priority, headers, secret, topicFilters, batchMax, h2c);
    }

    public WebhookSpec withOnError(FailurePolicy value) {
        return new WebhookSpec(
                hook,
                endpoint,
                base64Payload,
                responseTimeout,
                value,
                priority,
                headers,
                secret,
                topicFilters,
                batchMax,
                h2c);
    }

    /** @param value {@code deny}, {@code next} or {@code allow} */
    public WebhookSpec withOnError(String value) {
        return withOnError(parsePolicy(value));
    }

    public WebhookSpec withPriority(Integer value) {
        return new WebhookSpec(
                hook,
                endpoint,
                base64Payload,
                responseTimeout,
                onError,
                value,
                headers,
                secret,
                topicFilters,
                batchMax,
                h2c);
    }

    public WebhookSpec withHeaders(Map<String, String> value) {
        return new WebhookSpec(
                hook,
                endpoint,
                base64Payload,
                responseTimeout,
                onError,
                priority,
                value,
                secret,
                topicFilters,
                batchMax,
                h2c);
    }

    public WebhookSpec withSecret(String value) {
        return new WebhookSpec(
                hook,
                endpoint,
                base64Payload,
                responseTimeout,
                onError,
                priority,
                headers,
                value,
                topicFilters,
                batchMax,
                h2c);
    }

    public WebhookSpec withTopicFilters(List<String> value) {
        return new WebhookSpec(
                hook,
                endpoint,
                base64Payload,
                responseTimeout,
                onError,
                priority,
                headers,
                secret,
                value,
                batchMax,
                h2c);
    }

    /** @param value events per request (NOTIFY hooks), null for unbatched */
    public WebhookSpec withBatchMax(Integer value) {
        return new WebhookSpec(
                hook,
                endpoint,
                base64Payload,
                responseTimeout,
                onError,
                priority,
                headers,
                secret,
                topicFilters,
                value,
                h2c);
    }

    /** @param value true for HTTP/2 with prior knowledge (h2c) to an http:// endpoint */
    public WebhookSpec withH2c(boolean value) {
        return new WebhookSpec(
                hook,
                endpoint,
                base64Payload,
                responseTimeout,
                onError,
                priority,
                headers,
                secret,
                topicFilters,
                batchMax,
                value);
    }

    /** @return the policy called {@code text} */
    public static FailurePolicy parsePolicy(String text) {
        return switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "deny" -> FailurePolicy.DENY;
            case "next" -> FailurePolicy.NEXT;
            case "allow" -> FailurePolicy.ALLOW;
            default -> throw new IllegalArgumentException("on_error must be deny, next or allow, not '" + text + "'");
        };
    }

    /** Parses {@code "Name: value; Other: value"} (the {@code webhooks.NAME.headers} syntax). */
    public static Map<String, String> parseHeaders(String text) {
        Map<String, String> out = new LinkedHashMap<>();
        if (text == null || text.isBlank()) {
            return out;
        }
        for (String part : text.split(";")) {
            if (part.isBlank()) {
                continue;
            }
            int colon = part.indexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException("header '" + part.trim() + "' is not 'Name: value'");
            }
            out.put(part.substring(0, colon).trim(), part.substring(colon + 1).trim());
        }
        return out;
    }

    /** Parses a comma-separated list of topic filters. */
    public static List<String> parseFilters(String text) {
        List<String> out = new ArrayList<>();
        if (text == null || text.isBlank()) {
            return out;
        }
        for (String f : text.split(",")) {
            if (!f.isBlank()) {
                out.add(f.trim());
            }
        }
        return out;
    }

    static boolean isMessageHook(Hook<?> hook) {
        return hook.inputType() == PublishInput.class || hook.inputType() == MessageDrop.class;
    }

    @Override
    public String toString() {
        return hook + " -> " + endpoint;
    }
}
