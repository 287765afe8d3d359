package io.hookline.plugin.webhooks;

import io.hookline.api.ConfigKey;
import io.hookline.api.Plugin;
import io.hookline.api.PluginConfig;
import io.hookline.api.PluginContext;
import io.hookline.api.metrics.Metrics;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.ConnectionPool;
import okhttp3.Dispatcher;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HTTP webhooks on any hook, VerneMQ wire-compatible ({@code plugins.webhooks = on}). Webhooks
 * come from {@code broker.conf} ({@code webhooks.NAME.hook}, {@code .endpoint}, ...) and from
 * {@link #webhooks()} at runtime. Thread-safe: the running state is published through a volatile.
 */
public final class WebhooksPlugin implements Plugin {
    private static final Logger LOG = LoggerFactory.getLogger(WebhooksPlugin.class);

    public static final ConfigKey<String> HOOK = ConfigKey.string(
            "webhooks.<name>.hook", null, "the hook this webhook serves, e.g. auth_on_register (see docs/hooks.md)");
    public static final ConfigKey<String> ENDPOINT =
            ConfigKey.string("webhooks.<name>.endpoint", null, "the http(s) URL the hook's JSON is POSTed to");
    public static final ConfigKey<Boolean> BASE64PAYLOAD = ConfigKey.flag(
            "webhooks.<name>.base64payload", true, "send message payloads base64-encoded (off: as UTF-8 text)");
    public static final ConfigKey<Integer> RESPONSE_TIMEOUT = ConfigKey.integer(
            "webhooks.<name>.response_timeout",
            5000,
            "milliseconds one call may take, waiting for a connection included");
    public static final ConfigKey<String> ON_ERROR = ConfigKey.string(
            "webhooks.<name>.on_error",
            null,
            "deny | next | allow: what a failed call means (default: deny for auth hooks)");
    public static final ConfigKey<Integer> PRIORITY = ConfigKey.integer(
            "webhooks.<name>.priority",
            0,
            "place in the hook's chain, lower runs first (default: the plugin's priority)");
    public static final ConfigKey<String> HEADERS =
            ConfigKey.string("webhooks.<name>.headers", null, "extra request headers: 'Name: value; Other: value'");
    public static final ConfigKey<String> SECRET = ConfigKey.string(
            "webhooks.<name>.secret",
            null,
            "shared secret: requests carry x-hookline-signature: sha256=<hex HMAC-SHA256 of the body>");
    public static final ConfigKey<String> TOPIC_FILTER = ConfigKey.string(
            "webhooks.<name>.topic_filter",
            null,
            "message hooks only: comma-separated topic filters; other topics skip this webhook");
    public static final ConfigKey<Integer> BATCH_MAX = ConfigKey.integer(
            "webhooks.<name>.batch_max",
            1,
            "NOTIFY hooks only, 1.." + WebhookSpec.MAX_BATCH + ": POST a JSON array of up to this many of a client's"
                    + " events per request (unset: one event per request, plain body)");

    public static final ConfigKey<Boolean> H2C = ConfigKey.flag(
            "webhooks.<name>.h2c",
            false,
            "http:// endpoints only: speak HTTP/2 with prior knowledge (h2c), all calls multiplexed on one connection;"
                    + " the endpoint must accept HTTP/2 without an upgrade");

    public static final ConfigKey<String> HTTP_CLIENT = ConfigKey.string(
            "webhooks.http_client",
            "netty",
            "netty | okhttp: the HTTP/1.1 client of http:// endpoints (netty, the default: non-blocking, calls run"
                    + " on the event loop of the client whose hook they answer; okhttp: a blocked thread per call in"
                    + " flight). https and h2c endpoints always use OkHttp");

    public static final ConfigKey<Integer> MAX_CONCURRENCY = ConfigKey.integer(
            "webhooks.max_concurrency", 64, "calls in flight per endpoint; more wait in the endpoint's queue");
    public static final ConfigKey<Integer> MAX_QUEUED = ConfigKey.integer(
            "webhooks.max_queued",
            10_000,
            "calls waiting per endpoint; beyond it a call fails at once (on_error applies)");
    public static final ConfigKey<Integer> NOTIFY_BACKLOG = ConfigKey.integer(
            "webhooks.notify_backlog",
            10_000,
            "undelivered notifications per webhook; beyond it they are dropped and counted");
    public static final ConfigKey<Integer> CACHE_SIZE = ConfigKey.integer(
            "webhooks.cache_size", 100_000, "auth answers kept at most by cache-control: max-age (0 = no cache)");
    public static final ConfigKey<java.nio.file.Path> CA_FILE = ConfigKey.path(
            "webhooks.ca_file",
            null,
            "PEM file of the CA certificates https endpoints are checked against (default: the JVM trust store)");
    public static final ConfigKey<Duration> CACHE_SWEEP = ConfigKey.duration(
            "webhooks.cache_sweep_interval", Duration.ofSeconds(30), "how often expired cache entries are removed");

    /** Everything a running plugin holds. */
    private record Running(Webhooks webhooks, OkHttpClient http, ExecutorService dispatcher, NettyHttpClient netty) {}

    private volatile Running running;

    @Override
    public String name() {
        return "webhooks";
    }

    @Override
    public List<ConfigKey<?>> configKeys() {
        return List.of(
                HOOK,
                ENDPOINT,
                BASE64PAYLOAD,
                RESPONSE_TIMEOUT,
                ON_ERROR,
                PRIORITY,
                HEADERS,
                SECRET,
                TOPIC_FILTER,
                BATCH_MAX,
                H2C,
                HTTP_CLIENT,
                MAX_CONCURRENCY,
                MAX_QUEUED,
                NOTIFY_BACKLOG,
                CACHE_SIZE,
                CACHE_SWEEP,
                CA_FILE);
    }

    /**
     * @return the Java API of the running plugin
     * @throws IllegalStateException when the plugin is not enabled
     */
    public Webhooks webhooks() {
        Running r = running;
        if (r == null) {
            throw new IllegalStateException("plugin webhooks is not enabled");
        }
        return r.webhooks();
    }

    @Override
    public void start(PluginContext ctx) throws Exception {
        PluginConfig cfg = ctx.config();
        int maxConcurrency = positive(cfg, MAX_CONCURRENCY);
        int maxQueued = positive(cfg, MAX_QUEUED);
        int notifyBacklog = positive(cfg, NOTIFY_BACKLOG);
        boolean useNetty = nettyClient(cfg);
        int cacheSize = cfg.get(CACHE_SIZE);
        if (cacheSize < 0) {
            throw new IllegalArgumentException(CACHE_SIZE.name() + " must be >= 0");
        }
        List<Map.Entry<String, WebhookSpec>> configured = configured(cfg);
        java.nio.file.Path caFile = cfg.get(CA_FILE);
        javax.net.ssl.X509TrustManager trust = caFile == null ? null : trustManager(caFile);

        AtomicInteger threads = new AtomicInteger();
        // OkHttp runs each call in flight on a dispatcher thread; the per-endpoint limits bound them
        ExecutorService dispatcherPool =
                new ThreadPoolExecutor(0, Integer.MAX_VALUE, 60, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
                    Thread t = new Thread(r, "webhooks-http-" + threads.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        Dispatcher dispatcher = new Dispatcher(dispatcherPool);
        dispatcher.setMaxRequests(Integer.MAX_VALUE);
        dispatcher.setMaxRequestsPerHost(Integer.MAX_VALUE);
        OkHttpClient.Builder httpBuilder = new OkHttpClient.Builder()
                .dispatcher(dispatcher)
                .socketFactory(new NoDelaySocketFactory())
                .connectionPool(new ConnectionPool(Math.max(5, maxConcurrency), 5, TimeUnit.MINUTES))
                // an endpoint closes idle keep-alive connections (Node.js after 5 s, an HTTP/1.0
                // server after every answer): a call that meets such a stale pooled connection is
                // retried on a fresh one instead of failing (and, on an AUTH hook, denying)
                .retryOnConnectionFailure(true)
                .followRedirects(false);
        if (trust != null) {
            javax.net.ssl.SSLContext tls = javax.net.ssl.SSLContext.getInstance("TLS");
            tls.init(null, new javax.net.ssl.TrustManager[] {trust}, null);
            httpBuilder.sslSocketFactory(tls.getSocketFactory(), trust);
        }
        OkHttpClient http = httpBuilder.build();
        // h2c webhooks: the same dispatcher and pool, HTTP/2 from the first byte (one connection
        // per endpoint carries every call in flight as a stream)
        OkHttpClient h2c = http.newBuilder()
                .protocols(List.of(Protocol.H2_PRIOR_KNOWLEDGE))
                .build();
        // plain http:// endpoints over HTTP/1.1: Netty's non-blocking client when asked for
        NettyHttpClient netty = useNetty ? new NettyHttpClient() : null;
        // one endpoint (its own in-flight limit and queue) per URL and protocol
        Map<String, Endpoint> endpoints = new ConcurrentHashMap<>();
        AuthCache cache = new AuthCache(cacheSize, System::nanoTime);
        Metrics m = ctx.metrics();
        var counters = new Webhook.PluginCounters(
                m.counter("calls"),
                m.counter("errors"),
                m.counter("timeouts"),
                m.counter("cancelled"),
                m.counter("cache_hits"),
                m.counter("notify_dropped"));
        m.gauge("cache_entries", cache::size);
        var store = new RegistrationStore(ctx.dataDir().resolve("registrations.json"));
        Webhooks webhooks = new Webhooks(
                ctx,
                store,
                cache,
                spec -> endpoints.computeIfAbsent((spec.h2c() ? "h2c " : "") + spec.endpoint(), k -> {
                    if (netty != null && !spec.h2c() && spec.endpoint().startsWith("http://")) {
                        Transport t = netty.endpoint(spec.endpoint(), maxConcurrency);
                        return new Endpoint(spec.endpoint(), t, maxConcurrency, maxQueued);
                    }
                    return new Endpoint(spec.endpoint(), spec.h2c() ? h2c : http, maxConcurrency, maxQueued);
                }),
                notifyBacklog,
                counters);
        try {
            List<WebhookSpec> persisted = store.load();
            for (Map.Entry<String, WebhookSpec> e : configured) {
                webhooks.addConfigured(e.getKey(), e.getValue());
            }
            for (WebhookSpec s : webhooks.restore(persisted)) {
                LOG.warn("runtime webhook {} is also in broker.conf; the broker.conf entry is used", s);
            }
        } catch (Exception e) {
            shutdown(http, dispatcherPool, netty);
            throw e;
        }
        Duration sweep = cfg.get(CACHE_SWEEP);
        if (!sweep.isZero() && !sweep.isNegative()) {
            ctx.scheduler().scheduleAtFixedRate(sweep, sweep, cache::sweep);
        }
        WebhooksCommands.register(ctx.commands(), webhooks);
        running = new Running(webhooks, http, dispatcherPool, netty);
        LOG.info(
                "webhooks: {} registered ({} from broker.conf), runtime registrations in {}",
                webhooks.registrations().size(),
                configured.size(),
                store.file());
    }

    @Override
    public void stop() {
        Running r = running;
        running = null;
        if (r != null) {
            shutdown(r.http(), r.dispatcher(), r.netty());
        }
    }

    private static void shutdown(OkHttpClient http, ExecutorService pool, NettyHttpClient netty) {
        http.dispatcher().cancelAll();
        pool.shutdown();
        http.connectionPool().evictAll();
        if (netty != null) {
            netty.close();
        }
    }

    /** @return true for {@code webhooks.http_client = netty} (the default), false for okhttp */
    static boolean nettyClient(PluginConfig cfg) {
        String v = cfg.get(HTTP_CLIENT);
        String client = v == null ? "netty" : v.trim().toLowerCase(java.util.Locale.ROOT);
        return switch (client) {
            case "netty" -> true;
            case "okhttp" -> false;
            default ->
                throw new IllegalArgumentException(HTTP_CLIENT.name() + " must be netty or okhttp, not '" + v + "'");
        };
    }

    /** Trusts exactly the certificates in {@code pem}. */
    static javax.net.ssl.X509TrustManager trustManager(java.nio.file.Path pem) {
        String where = CA_FILE.name() + ": " + pem + ": ";
        try (var in = java.nio.file.Files.newInputStream(pem)) {
            var certs =
                    java.security.cert.CertificateFactory.getInstance("X.509").generateCertificates(in);
            if (certs.isEmpty()) {
                throw new IllegalArgumentException(where + "no certificate found");
            }
            java.security.KeyStore ks = java.security.KeyStore.getInstance(java.security.KeyStore.getDefaultType());
            ks.load(null, null);
            int i = 0;
            for (java.security.cert.Certificate c : certs) {
                ks.setCertificateEntry("ca" + i++, c);
            }
            var tmf = javax.net.ssl.TrustManagerFactory.getInstance(
                    javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            return (javax.net.ssl.X509TrustManager) tmf.getTrustManagers()[0];
        } catch (java.io.IOException | java.security.GeneralSecurityException e) {
            throw new IllegalArgumentException(
                    where
                            + (e.getMessage() == null || e.getMessage().isBlank()
                                    ? "no certificate found"
                                    : e.getMessage()),
                    e);
        }
    }

    private static int positive(PluginConfig cfg, ConfigKey<Integer> key) {
        int v = cfg.get(key);
        if (v <= 0) {
            throw new IllegalArgumentException(key.name() + " must be positive, not " + v);
        }
        return v;
    }

    /**
     * {@code webhooks.NAME.batch_max must be ...} for a message about one field of the entry,
     * {@code webhooks.NAME: ...} for one about the whole entry.
     */
    private static String located(String prefix, List<ConfigKey<?>> entryKeys, String message) {
        if (message.startsWith(prefix)) {
            return message;
        }
        for (ConfigKey<?> k : entryKeys) {
            String field = k.name().substring(k.name().lastIndexOf('.') + 1);
            if (message.startsWith(field + " ")) {
                return prefix + message;
            }
        }
        return prefix.substring(0, prefix.length() - 1) + ": " + message;
    }

    /** The {@code webhooks.NAME.*} entries, each checked; the first bad one stops the start, named. */
    static List<Map.Entry<String, WebhookSpec>> configured(PluginConfig cfg) {
        Map<String, String> hooks = cfg.named(HOOK);
        Map<String, String> urls = cfg.named(ENDPOINT);
        TreeSet<String> names = new TreeSet<>();
        List<ConfigKey<?>> entryKeys = List.of(
                HOOK,
                ENDPOINT,
                BASE64PAYLOAD,
                RESPONSE_TIMEOUT,
                ON_ERROR,
                PRIORITY,
                HEADERS,
                SECRET,
                TOPIC_FILTER,
                BATCH_MAX,
                H2C);
        for (ConfigKey<?> k : entryKeys) {
            names.addAll(cfg.named(k).keySet());
        }
        List<Map.Entry<String, WebhookSpec>> out = new java.util.ArrayList<>();
        for (String name : names) {
            String prefix = "webhooks." + name + ".";
            try {
                String hook = hooks.get(name);
                String url = urls.get(name);
                if (hook == null || hook.isBlank()) {
                    throw new IllegalArgumentException(prefix + "hook is missing");
                }
                if (url == null || url.isBlank()) {
                    throw new IllegalArgumentException(prefix + "endpoint is missing");
                }
                WebhookSpec s = WebhookSpec.of(hook.trim(), url.trim());
                Boolean b64 = cfg.named(BASE64PAYLOAD).get(name);
                if (b64 != null) {
                    s = s.withBase64Payload(b64);
                }
                Integer timeout = cfg.named(RESPONSE_TIMEOUT).get(name);
                if (timeout != null) {
                    s = s.withResponseTimeout(Duration.ofMillis(timeout));
                }
                String onError = cfg.named(ON_ERROR).get(name);
                if (onError != null && !onError.isBlank()) {
                    s = s.withOnError(onError);
                }
                s = s.withPriority(cfg.named(PRIORITY).get(name))
                        .withHeaders(WebhookSpec.parseHeaders(cfg.named(HEADERS).get(name)))
                        .withSecret(cfg.named(SECRET).get(name))
                        .withTopicFilters(
                                WebhookSpec.parseFilters(cfg.named(TOPIC_FILTER).get(name)))
                        .withBatchMax(cfg.named(BATCH_MAX).get(name))
                        .withH2c(Boolean.TRUE.equals(cfg.named(H2C).get(name)));
                out.add(Map.entry(name, s));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(located(prefix, entryKeys, e.getMessage()), e);
            }
        }
        return out;
    }
}
