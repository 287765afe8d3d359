package io.hookline.plugin.webhooks;

import io.hookline.api.PluginContext;
import io.hookline.api.hook.Hooks;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The webhooks of a running plugin, and the Java API behind {@code admin webhooks ...}:
 * {@link #register}, {@link #deregister}, {@link #show}, {@link #cacheShow}, {@link #cacheClear}.
 * Runtime registrations are written to {@code <data_dir>/plugins/webhooks/registrations.json}
 * and come back at the next start; those from {@code broker.conf} come from there.
 * Thread-safe: the registration list (and the file) are guarded by {@code this}.
 *
 * <pre>{@code
 * Webhooks api = ((WebhooksPlugin) broker.plugins().plugin("webhooks").orElseThrow()).webhooks();
 * api.register(WebhookSpec.of("auth_on_register", "http://127.0.0.1:8080/auth"));
 * api.register(WebhookSpec.of("on_publish", "http://127.0.0.1:8080/events").withBatchMax(50));
 * api.show();                    // one row per webhook, with calls/errors/latency
 * api.cacheClear("sensor-7");    // forget cached answers about one client id, on every mountpoint
 * api.cacheClear("tenantA/", "sensor-7");    // ... about the sensor-7 behind mountpoint tenantA/
 * }</pre>
 */
public final class Webhooks {
    private final PluginContext ctx;
    private final RegistrationStore store;
    private final AuthCache cache;
    private final Function<WebhookSpec, Endpoint> endpoints;
    private final int notifyBacklog;
    private final Webhook.PluginCounters counters;
    private final List<Webhook> active = new ArrayList<>(); // guarded by this

    Webhooks(
            PluginContext ctx,
            RegistrationStore store,
            AuthCache cache,
            Function<WebhookSpec, Endpoint> endpoints,
            int notifyBacklog,
            Webhook.PluginCounters counters) {
        this.ctx = ctx;
        this.store = store;
        this.cache = cache;
        this.endpoints = endpoints;
        this.notifyBacklog = notifyBacklog;
        this.counters = counters;
    }

    /** Installs a registration from {@code broker.conf} (entry {@code name}); not persisted. */
    synchronized void addConfigured(String name, WebhookSpec spec) {
        if (find(spec.hook(), spec.endpoint()) != null) {
            throw new IllegalArgumentException("webhooks." + name + ": " + spec.hook() + " -> " + spec.endpoint()
                    + " is already registered by another entry");
        }
        install(spec, name);
    }

    /** Installs the persisted runtime registrations (skipping those broker.conf already has). */
    synchronized List<WebhookSpec> restore(List<WebhookSpec> specs) {
        List<WebhookSpec> skipped = new ArrayList<>();
        for (WebhookSpec s : specs) {
            if (find(s.hook(), s.endpoint()) != null) {
                skipped.add(s);
            } else {
                install(s, null);
            }
        }
        return skipped;
    }

    /**
     * Registers a webhook at runtime and persists it.
     *
     * @throws IllegalArgumentException when the same hook and endpoint are already registered
     *     (bad hook names and URLs are refused when the {@link WebhookSpec} is built)
     * @throws UncheckedIOException when the registration file cannot be written (nothing changed)
     */
    public synchronized void register(WebhookSpec spec) {
        if (find(spec.hook(), spec.endpoint()) != null) {
            throw new IllegalArgumentException(
                    "a webhook for " + spec.hook() + " at " + spec.endpoint() + " is already registered");
        }
        List<WebhookSpec> runtime = runtimeSpecs();
        runtime.add(spec);
        persist(runtime);
        install(spec, null);
    }

    /**
     * Removes the webhook of {@code hook} at {@code endpoint}. A runtime registration is also
     * removed from the file; one from {@code broker.conf} comes back at the next start.
     *
     * @throws IllegalArgumentException for an unknown hook name or when no such webhook exists
     */
    public synchronized void deregister(String hook, String endpoint) {
        if (Hooks.byName(hook).isEmpty()) {
            throw new IllegalArgumentException("unknown hook '" + hook + "'");
        }
        Webhook w = find(hook, endpoint);
        if (w == null) {
            throw new IllegalArgumentException("no webhook registered for " + hook + " at " + endpoint);
        }
        if (w.name() == null) {
            List<WebhookSpec> runtime = runtimeSpecs();
            runtime.remove(w.spec());
            persist(runtime);
        }
        active.remove(w);
        w.uninstall();
    }

    /** @return one row per webhook, in registration order: settings and per-endpoint statistics */
    public synchronized List<Map<String, Object>> show() {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Webhook w : active) {
            rows.add(w.describe());
        }
        return rows;
    }

    /** @return the registrations, in registration order */
    public synchronized List<WebhookSpec> registrations() {
        return active.stream().map(Webhook::spec).toList();
    }

    /** @return one row per live cache entry */
    public List<Map<String, Object>> cacheShow() {
        long now = System.nanoTime();
        List<Map<String, Object>> rows = new ArrayList<>();
        for (AuthCache.Entry e : cache.entries()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("hook", e.hook());
            row.put("endpoint", e.endpoint());
            row.put("mountpoint", e.mountpoint());
            row.put("client_id", e.clientId());
            row.put("username", e.username() == null ? "" : e.username());
            row.putAll(AuthCache.describe(e.answer()));
            row.put("expires_in_s", Math.max(0, (e.expiresAtNanos() - now) / 1_000_000_000L));
            rows.add(row);
        }
        return rows;
    }

    /** Drops every cached answer; @return how many. */
    public int cacheClear() {
        return cache.clear();
    }

    /** Drops the cached answers about {@code clientId} on every mountpoint; @return how many. */
    public int cacheClear(String clientId) {
        return cache.clear(null, clientId);
    }

    /**
     * Drops the cached answers about {@code clientId} on {@code mountpoint} (client ids are per
     * mountpoint); a null client id: every client on that mountpoint. @return how many
     */
    public int cacheClear(String mountpoint, String clientId) {
        return cache.clear(mountpoint, clientId);
    }

    /** @return cache size, hits and misses */
    public Map<String, Long> cacheStats() {
        return Map.of("entries", (long) cache.size(), "hits", cache.hits(), "misses", cache.misses());
    }

    private void install(WebhookSpec spec, String name) {
        Webhook w = new Webhook(spec, name, endpoints.apply(spec), cache, notifyBacklog, counters);
        w.install(ctx);
        active.add(w);
    }

    private Webhook find(String hook, String endpoint) {
        for (Webhook w : active) {
            if (w.spec().hook().equals(hook) && w.spec().endpoint().equals(endpoint)) {
                return w;
            }
        }
        return null;
    }

    private List<WebhookSpec> runtimeSpecs() {
        List<WebhookSpec> out = new ArrayList<>();
        for (Webhook w : active) {
            if (w.name() == null) {
                out.add(w.spec());
            }
        }
        return out;
    }

    private void persist(List<WebhookSpec> runtime) {
        try {
            store.save(runtime);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + store.file() + ": " + e.getMessage(), e);
        }
    }
}
