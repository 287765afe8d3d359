package io.hookline.plugin.webhooks;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import io.hookline.api.PluginContext;
import io.hookline.api.hook.Answer;
import io.hookline.api.hook.HandlerOptions;
import io.hookline.api.hook.Hook;
import io.hookline.api.hook.HookKind;
import io.hookline.api.hook.HookRegistration;
import io.hookline.api.hook.Hooks;
import io.hookline.api.hook.input.Client;
import io.hookline.api.hook.input.HookInput;
import io.hookline.api.hook.input.MessageDrop;
import io.hookline.api.hook.input.PublishInput;
import io.hookline.api.mqtt.Topics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One active webhook: its handler in the hook's chain, the calls to its endpoint and their
 * statistics. AUTH and REWRITE hooks call the endpoint asynchronously and answer from the
 * response (AUTH answers from the cache when the endpoint allowed it); NOTIFY hooks queue the
 * event on per-client lanes and return at once, and with {@code batch_max} send a lane's queued
 * events as one JSON array. Thread-safe: immutable settings, atomic stats.
 */
final class Webhook {
    private static final Logger LOG = LoggerFactory.getLogger(Webhook.class);
    /** Header carrying {@code sha256=<hex HMAC-SHA256 of the body>} when a secret is set. */
    static final String SIGNATURE_HEADER = "x-hookline-signature";
    /** Header carrying the number of events in a batched request's array. */
    static final String BATCH_SIZE_HEADER = "hookline-batch-size";
    /** The engine's own cut-off comes a little after ours, so our log line (with the endpoint) wins. */
    private static final Duration ENGINE_GRACE = Duration.ofMillis(250);

    private static final long LOG_EVERY_NANOS = Duration.ofSeconds(10).toNanos();

    private final WebhookSpec spec;
    private final String name;
    private final Hook<?> hook;
    private final Endpoint endpoint;
    private final AuthCache cache;
    private final NotifyLanes<HookInput> lanes;
    private final boolean batched;
    private final PluginCounters counters;
    private volatile HookRegistration registration;

    /** HTTP requests sent. */
    final LongAdder calls = new LongAdder();
    /** Events sent: as {@link #calls} except for batched webhooks, where one request carries several. */
    final LongAdder events = new LongAdder();
    /** NOTIFY: events whose request was answered 2xx. */
    final LongAdder delivered = new LongAdder();
    /** Events whose request failed (and {@link #timeouts}: those that timed out). */
    final LongAdder errors = new LongAdder();

    final LongAdder timeouts = new LongAdder();
    /** Calls given up because the client went away (not errors). */
    final LongAdder cancelled = new LongAdder();

    final LongAdder cacheHits = new LongAdder();
    private final LongAdder latencyNanos = new LongAdder();
    private final AtomicLong maxLatencyNanos = new AtomicLong();
    private final AtomicLong lastNotifyLog = new AtomicLong(System.nanoTime() - LOG_EVERY_NANOS);

    /** The plugin-wide counters every webhook adds to. */
    record PluginCounters(
            io.hookline.api.metrics.Counter calls,
            io.hookline.api.metrics.Counter errors,
            io.hookline.api.metrics.Counter timeouts,
            io.hookline.api.metrics.Counter cancelled,
            io.hookline.api.metrics.Counter cacheHits,
            io.hookline.api.metrics.Counter dropped) {}

    Webhook(
            WebhookSpec spec,
            String name,
            Endpoint endpoint,
            AuthCache cache,
            int notifyBacklog,
            PluginCounters counters) {
        this.spec = spec;
        this.name = name;
        this.hook = spec.hookDescriptor();
        this.endpoint = endpoint;
        this.cache = cache;
        this.counters = counters;
        this.batched = spec.batchMax() != null;
        this.lanes = hook.kind() == HookKind.NOTIFY
                ? new NotifyLanes<>(notifyBacklog, batched ? spec.batchMax() : 1, this::deliver)
                : null;
    }

    WebhookSpec spec() {
        return spec;
    }

    /** The {@code broker.conf} entry name, or null for a runtime registration. */
    String name() {
        return name;
    }

    /** Puts the handler into the hook's chain. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    void install(PluginContext ctx) {
        // paired per endpoint: the broker asks this 3.1.1 hook for MQTT 5 clients too unless
        // the same endpoint also serves the _m5 twin
        HandlerOptions opts = HandlerOptions.DEFAULT.source(spec.endpoint());
        if (!hook.isMqtt5() && Hooks.byName(hook.name() + "_m5").isPresent()) {
            LOG.info(
                    "webhook {} -> {}: MQTT 5 clients are asked {} too unless this endpoint registers {}_m5",
                    hook.name(),
                    spec.endpoint(),
                    hook.name(),
                    hook.name());
        } else if (hook.isMqtt5()
                && Hooks.byName(hook.name().substring(0, hook.name().length() - 3))
                        .isPresent()) {
            LOG.info(
                    "webhook {} -> {}: MQTT 3.1/3.1.1 clients are asked the endpoint only if it registers {} too",
                    hook.name(),
                    spec.endpoint(),
                    hook.name().substring(0, hook.name().length() - 3));
        }
        if (spec.priority() != null) {
            opts = opts.priority(spec.priority());
        }
        if (hook.kind() == HookKind.NOTIFY) {
            registration = ctx.register((Hook) hook, opts, in -> {
                notify((HookInput) in);
                return Answer.ok();
            });
            return;
        }
        opts = opts.timeout(spec.responseTimeout().plus(ENGINE_GRACE));
        if (spec.onError() != null) {
            opts = opts.onFailure(spec.onError());
        }
        registration = ctx.registerAsync((Hook) hook, opts, in -> call((HookInput) in));
    }

    /** Takes the handler out of the chain; calls in flight complete. */
    void uninstall() {
        HookRegistration r = registration;
        if (r != null) {
            r.unregister();
        }
    }

    boolean wants(HookInput in) {
        if (spec.topicFilters().isEmpty()) {
            return true;
        }
        String topic = in instanceof PublishInput p ? p.topic() : in instanceof MessageDrop d ? d.topic() : null;
        if (topic == null) {
            return true;
        }
        for (String f : spec.topicFilters()) {
            if (Topics.matches(f, topic)) {
                return true;
            }
        }
        return false;
    }

    /**
     * AUTH and REWRITE: the answer of the endpoint (or of the cache). Cancelling the answer (the
     * engine does when the client went away) drops the queued request or aborts the HTTP call.
     */
    CompletionStage<Answer> call(HookInput in) {
        if (!wants(in)) {
            return CompletableFuture.completedFuture(Answer.next());
        }
        AuthCache.Key key = null;
        if (hook.kind() == HookKind.AUTH && !cache.enabled()) {
            cache.countMiss(); // no key to build: it is a second serialization of the input per call
        } else if (hook.kind() == HookKind.AUTH) {
            key = new AuthCache.Key(spec.endpoint(), hook.name(), WireFormat.cacheKey(hook, in, spec.base64Payload()));
            Answer cached = cache.get(key);
            if (cached != null) {
                cacheHits.increment();
                counters.cacheHits().increment();
                return CompletableFuture.completedFuture(cached);
            }
        }
        AuthCache.Key cacheKey = key;
        long t0 = System.nanoTime();
        CompletableFuture<Endpoint.Reply> sent = send(WireFormat.bytes(hook, in, spec.base64Payload()), 1);
        CompletableFuture<Answer> answer = sent.handle((reply, err) -> {
            record(t0);
            if (err instanceof CancellationException) {
                throw (CancellationException) err; // we gave it up (below): not an error
            }
            if (err != null) {
                throw failure(in, err);
            }
            if (reply.status() < 200 || reply.status() > 299) {
                throw failure(in, new Endpoint.CallFailure("HTTP " + reply.status(), false));
            }
            Answer decoded;
            try {
                decoded = WireFormat.decode(hook, reply.body(), spec.base64Payload());
            } catch (WireFormat.BadAnswer e) {
                throw failure(in, e);
            }
            if (cacheKey != null) {
                long maxAge = AuthCache.maxAge(reply.cacheControl(), decoded, reply.cacheErrors());
                if (maxAge > 0) {
                    Client c = in.client();
                    cache.put(cacheKey, c.mountpoint(), c.clientId(), c.username(), decoded, maxAge);
                }
            }
            return decoded;
        });
        // the engine cancels the answer when the client went away: give the HTTP call up too
        answer.whenComplete((a, t) -> {
            if (answer.isCancelled()) {
                cancelled.increment();
                counters.cancelled().increment();
                sent.cancel(false);
            }
        });
        return answer;
    }

    /** NOTIFY: queued on the client's lane; never waits. */
    void notify(HookInput in) {
        if (!wants(in)) {
            return;
        }
        Client c = in.client();
        if (!lanes.offer(c.mountpoint() + '\u0000' + c.clientId(), in)) {
            counters.dropped().increment();
            if (shouldLog()) {
                LOG.warn(
                        "webhook {} -> {}: backlog full, dropping notifications (client {}; {} dropped so far)",
                        hook.name(),
                        spec.endpoint(),
                        c.clientId(),
                        lanes.dropped());
            }
        }
    }

    /**
     * Sends one client's events: unbatched, the one event's body; batched, an array of the
     * events' bodies (even of one). A failure counts every event in the request as failed;
     * the events are not sent again, so the client's later events stay behind them.
     */
    private CompletionStage<?> deliver(List<HookInput> batch) {
        byte[] body = batched ? batchBody(batch) : WireFormat.bytes(hook, batch.get(0), spec.base64Payload());
        long t0 = System.nanoTime();
        return send(body, batch.size()).whenComplete((reply, err) -> {
            record(t0);
            String problem = err != null
                    ? message(err)
                    : reply.status() < 200 || reply.status() > 299 ? "HTTP " + reply.status() : null;
            if (problem == null) {
                delivered.add(batch.size());
            } else {
                count(err, batch.size());
                if (shouldLog()) {
                    LOG.warn(
                            "webhook {} -> {} failed for client {}{}: {}",
                            hook.name(),
                            spec.endpoint(),
                            batch.get(0).client().clientId(),
                            batched ? " (" + batch.size() + " events lost)" : "",
                            problem);
                }
            }
        });
    }

    /** @return a JSON array of the events' bodies, oldest first, written without a tree */
    private byte[] batchBody(List<HookInput> batch) {
        ByteArrayBuilder out = new ByteArrayBuilder(256 * batch.size());
        try (JsonGenerator g = WireFormat.JSON.getFactory().createGenerator(out)) {
            g.writeStartArray();
            for (HookInput in : batch) {
                WireFormat.write(g, hook, in, spec.base64Payload(), false);
            }
            g.writeEndArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // into memory: cannot happen
        }
        return out.toByteArray();
    }

    /** Posts {@code body}, which holds {@code eventCount} events (more than one only when batched). */
    private CompletableFuture<Endpoint.Reply> send(byte[] body, int eventCount) {
        List<String> headers = new ArrayList<>(8 + 2 * spec.headers().size());
        headers.add("vernemq-hook");
        headers.add(hook.name());
        headers.add("hookline-hook");
        headers.add(hook.name());
        if (batched) {
            headers.add(BATCH_SIZE_HEADER);
            headers.add(Integer.toString(eventCount));
        }
        spec.headers().forEach((k, v) -> {
            headers.add(k);
            headers.add(v);
        });
        if (spec.secret() != null) {
            headers.add(SIGNATURE_HEADER);
            headers.add("sha256=" + sign(spec.secret(), body));
        }
        calls.increment();
        events.add(eventCount);
        counters.calls().increment();
        return endpoint.send(new Transport.Post(headers, body), spec.responseTimeout());
    }

    /** @return the hex HMAC-SHA256 of {@code body} with {@code secret} (UTF-8) as key */
    static String sign(String secret, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    /**
     * Counts a failed call; the hook engine logs it (hook, plugin, client, policy) with this
     * message, which names the endpoint and what went wrong.
     */
    private CompletionException failure(HookInput in, Throwable cause) {
        count(cause);
        return new CompletionException(new WebhookFailure("webhook " + spec.endpoint() + ": " + message(cause)));
    }

    /** A failed call: the message says it all, a stack trace would only add noise to the log. */
    static final class WebhookFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        WebhookFailure(String message) {
            super(message, null, false, false);
        }
    }

    private void count(Throwable err) {
        count(err, 1);
    }

    /** Counts a failed request carrying {@code eventCount} events: each of them failed. */
    private void count(Throwable err, int eventCount) {
        errors.add(eventCount);
        counters.errors().add(eventCount);
        Throwable t = err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
        if (t instanceof Endpoint.CallFailure f && f.isTimeout()) {
            timeouts.add(eventCount);
            counters.timeouts().add(eventCount);
        }
    }

    private static String message(Throwable err) {
        Throwable t = err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
        return t.getMessage() == null ? t.toString() : t.getMessage();
    }

    private boolean shouldLog() {
        long now = System.nanoTime();
        long last = lastNotifyLog.get();
        return now - last >= LOG_EVERY_NANOS && lastNotifyLog.compareAndSet(last, now);
    }

    private void record(long t0) {
        long d = System.nanoTime() - t0;
        latencyNanos.add(d);
        maxLatencyNanos.accumulateAndGet(d, Math::max);
    }

    /** One row of {@code webhooks show}. */
    Map<String, Object> describe() {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("hook", spec.hook());
        row.put("endpoint", spec.endpoint());
        row.put("name", name == null ? "" : name);
        row.put("source", name == null ? "runtime" : "config");
        row.put("priority", spec.priority() == null ? "" : spec.priority());
        row.put("base64payload", spec.base64Payload());
        row.put("response_timeout", spec.responseTimeout().toMillis());
        // unset: the hook kind's default, shown as such (plugins.webhooks.on_error, when set, overrides both)
        row.put(
                "on_error",
                spec.onError() != null
                        ? spec.onError().name().toLowerCase()
                        : hook.kind() == HookKind.NOTIFY ? "none (notify: logged)" : "deny (default)");
        row.put("topic_filter", String.join(",", spec.topicFilters()));
        row.put("signed", spec.secret() != null);
        row.put("batch_max", spec.batchMax() == null ? "" : spec.batchMax());
        row.put("h2c", spec.h2c());
        long n = calls.sum();
        row.put("calls", n);
        row.put("events", events.sum());
        row.put("delivered", lanes == null ? "" : delivered.sum());
        row.put("errors", errors.sum());
        row.put("timeouts", timeouts.sum());
        row.put("cancelled", cancelled.sum());
        row.put("cache_hits", cacheHits.sum());
        row.put("avg_latency_ms", n == 0 ? 0.0 : Math.round(latencyNanos.sum() / (double) n / 10_000.0) / 100.0);
        row.put("max_latency_ms", Math.round(maxLatencyNanos.get() / 10_000.0) / 100.0);
        row.put("in_flight", endpoint.inFlight());
        row.put("queued", endpoint.queued());
        row.put("backlog", lanes == null ? 0 : lanes.backlog());
        row.put("dropped", lanes == null ? 0 : lanes.dropped());
        return row;
    }
}
