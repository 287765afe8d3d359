package io.hookline.lua;

import io.hookline.lua.binding.AuthCache;
import io.hookline.lua.binding.HttpPools;
import io.hookline.lua.binding.KvStore;
import io.hookline.lua.binding.SqlPools;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What every script of the plugin shares: the settings, the threads calls run on, and the
 * binding resources that outlive a state (kv tables, HTTP and SQL pools, the auth cache).
 * Thread-safe: immutable settings, thread-safe members.
 */
public final class LuaRuntime implements AutoCloseable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(LuaRuntime.class);
    private final boolean allowUnsafe;
    private final Duration callTimeout;
    private final int defaultStates;
    private final long maxMemory;
    private final ThreadPoolExecutor executor;
    private final KvStore kv = new KvStore();
    private final HttpPools http = new HttpPools();
    private final SqlPools sql = new SqlPools();
    private final AuthCache authCache;

    /**
     * @param defaultStates Lua states per script when neither {@code lua.NAME.num_states} nor the
     *     script's {@code num_states} says; 0 = one per core, at least two
     * @param maxMemory bytes one call may allocate ({@code lua.max_memory}); 0 = unlimited
     */
    public LuaRuntime(
            boolean allowUnsafe, Duration callTimeout, int defaultStates, long maxMemory, AuthCache authCache) {
        this.maxMemory = maxMemory;
        this.allowUnsafe = allowUnsafe;
        this.callTimeout = callTimeout;
        // one runaway call must occupy only its own state: never a single state by default
        this.defaultStates = defaultStates > 0
                ? defaultStates
                : Math.max(2, Runtime.getRuntime().availableProcessors());
        this.authCache = authCache;
        AtomicInteger n = new AtomicInteger();
        // a thread runs a call that holds a state or a script version's one background state build,
        // so the states and versions bound the threads in use
        this.executor =
                new ThreadPoolExecutor(0, Integer.MAX_VALUE, 60, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
                    Thread t = new Thread(r, "lua-call-" + n.incrementAndGet());
                    t.setDaemon(true);
                    // nothing a call throws may vanish to stderr without a timestamp
                    t.setUncaughtExceptionHandler((th, e) -> LOG.error("uncaught in {}", th.getName(), e));
                    return t;
                });
    }

    public boolean allowUnsafe() {
        return allowUnsafe;
    }

    public Duration callTimeout() {
        return callTimeout;
    }

    /** @return the bytes one call may allocate; 0 = unlimited */
    public long maxMemory() {
        return maxMemory;
    }

    /** @return the states a script gets when nothing else says (see the constructor) */
    public int defaultStates() {
        return defaultStates;
    }

    ExecutorService executor() {
        return executor;
    }

    public KvStore kv() {
        return kv;
    }

    public HttpPools http() {
        return http;
    }

    public SqlPools sql() {
        return sql;
    }

    public AuthCache authCache() {
        return authCache;
    }

    @Override
    public void close() {
        executor.shutdownNow();
        http.close();
        sql.close();
    }
}
