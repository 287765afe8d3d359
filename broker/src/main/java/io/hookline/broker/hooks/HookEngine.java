package io.hookline.broker.hooks;

import io.hookline.api.hook.Answer;
import io.hookline.api.hook.AsyncHookHandler;
import io.hookline.api.hook.FailurePolicy;
import io.hookline.api.hook.HandlerOptions;
import io.hookline.api.hook.Hook;
import io.hookline.api.hook.HookHandler;
import io.hookline.api.hook.HookKind;
import io.hookline.api.hook.Hooks;
import io.hookline.api.hook.input.HookInput;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one generic engine behind every hook chain: registration in priority order, runs of
 * AUTH/REWRITE chains ({@link ChainRun}), NOTIFY dispatch, timeouts, failure policies and
 * per-hook/per-handler statistics. The protocol does not call it directly but through
 * {@link HookGateway}. Thread-safe: chains are copy-on-write, statistics are adders.
 */
public final class HookEngine implements AutoCloseable {
    /** The deny answer a failed handler stands for under {@link FailurePolicy#DENY}. */
    static final Answer.Error HANDLER_FAILED = Answer.error("handler_failed");
    /** Default per-call timeout, like VerneMQ's webhook response_timeout. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

    private static final Logger LOG = LoggerFactory.getLogger(HookEngine.class);

    private final HookChain<?>[] chains;
    private final Duration defaultTimeout;
    private final ExecutorService blocking;
    private final ScheduledExecutorService timer;
    private final boolean ownsExecutors;
    private final AtomicLong sequence = new AtomicLong();
    private volatile HookTap tap;
    private final Object lending = new Object(); // guards HandlerEntry.lent and the lent handlers of every chain

    /**
     * @param defaultTimeout per-call timeout of handlers that registered none
     * @param blocking where blocking handlers run
     * @param timer fires timeouts (and runs nothing else heavy)
     */
    public HookEngine(Duration defaultTimeout, ExecutorService blocking, ScheduledExecutorService timer) {
        this(defaultTimeout, blocking, timer, false);
    }

    private HookEngine(
            Duration defaultTimeout, ExecutorService blocking, ScheduledExecutorService timer, boolean owns) {
        this.defaultTimeout = Objects.requireNonNull(defaultTimeout);
        this.blocking = Objects.requireNonNull(blocking);
        this.timer = Objects.requireNonNull(timer);
        this.ownsExecutors = owns;
        List<Hook<?>> all = Hooks.all();
        this.chains = new HookChain<?>[all.size()];
        for (Hook<?> h : all) {
            chains[h.id()] = newChain(h);
        }
    }

    /** @return an engine with its own daemon worker pool ({@code blockingThreads}) and timer thread */
    public static HookEngine create(Duration defaultTimeout, int blockingThreads) {
        ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, daemon("hook-timer"));
        t.setRemoveOnCancelPolicy(true);
        // every async hook call schedules its timeout here, and one that becomes the head of the
        // timer's queue (the queue was empty: the calls before it had answered) wakes the timer
        // thread, a context switch per call at a moderate rate. This tick keeps a task at most
        // TICK away at the head, so a call's timeout (usually seconds) goes in behind it silently.
        t.scheduleAtFixedRate(HookEngine::tick, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
        return new HookEngine(
                defaultTimeout, Executors.newFixedThreadPool(blockingThreads, daemon("hook-worker")), t, true);
    }

    /** How often the timer's idle tick runs (see {@link #create}). */
    private static final long TICK_MILLIS = 1000;

    private static void tick() {
        // nothing to do: the task's place at the head of the timer's queue is its purpose
    }

    private static <I extends HookInput> HookChain<I> newChain(Hook<I> hook) {
        return new HookChain<>(hook);
    }

    /** Sets who watches hook calls per client ({@code admin trace client}); null for nobody. */
    public void tap(HookTap newTap) {
        this.tap = newTap;
    }

    /** @return the chain of {@code hook} */
    @SuppressWarnings("unchecked")
    public <I extends HookInput> HookChain<I> chain(Hook<I> hook) {
        return (HookChain<I>) chains[hook.id()];
    }

    /** @return true when no handler is registered for {@code hook} (no allocation) */
    public boolean isEmpty(Hook<?> hook) {
        return chains[hook.id()].isEmpty();
    }

    /**
     * Adds a handler. Exactly one of {@code sync} and {@code async} is given.
     *
     * @param priority the effective priority (lower runs first; ties keep registration order)
     */
    public <I extends HookInput> HandlerEntry<I> register(
            PluginHandle plugin,
            Hook<I> hook,
            int priority,
            HandlerOptions options,
            HookHandler<I> sync,
            AsyncHookHandler<I> async) {
        if ((sync == null) == (async == null)) {
            throw new IllegalArgumentException("give exactly one handler");
        }
        FailurePolicy policy = options.onFailure() != null ? options.onFailure() : FailurePolicy.DENY;
        Duration timeout = options.timeout() != null ? options.timeout() : defaultTimeout;
        HandlerEntry<I> e = new HandlerEntry<>(
                this,
                hook,
                plugin,
                priority,
                sequence.incrementAndGet(),
                options.mayBlock(),
                timeout,
                policy,
                sync,
                async,
                options.source(),
                null);
        chain(hook).add(e);
        LOG.debug("plugin {} registered a handler on {} at priority {}", plugin.name(), hook.name(), priority);
        relend(hook);
        return e;
    }

    /** Removes a handler; runs under way skip it from now on, a call already inside it completes. */
    public void unregister(HandlerEntry<?> entry) {
        synchronized (lending) {
            entry.active = false;
            if (entry.lent != null) {
                entry.lent.active = false;
            }
        }
        chains[entry.hook.id()].remove(entry);
        relend(entry.hook);
    }

    /**
     * Lends the 3.1.1 handlers of {@code hook}'s pair to its {@code _m5} chain, for every plugin
     * rule set (plugin and source) that serves the 3.1.1 hook without serving the {@code _m5}
     * one: a 3.1.1 rule must not fail open for MQTT 5 clients ({@link Mqtt3Fallback}).
     */
    @SuppressWarnings("unchecked")
    private <I extends HookInput> void relend(Hook<I> hook) {
        Hook<I> v3 = hook.isMqtt5()
                ? (Hook<I>) Hooks.byName(hook.name().substring(0, hook.name().length() - 3))
                        .orElse(null)
                : hook;
        Hook<I> v5 = v3 == null ? null : Mqtt3Fallback.twin(v3).orElse(null);
        if (v5 == null) {
            return;
        }
        synchronized (lending) {
            HandlerEntry<I>[] own5 = chain(v5).own();
            List<HandlerEntry<I>> lent = new ArrayList<>();
            for (HandlerEntry<I> e : chain(v3).own()) {
                boolean served = false;
                for (HandlerEntry<I> o : own5) {
                    served |= o.sameSource(e);
                }
                if (served || !e.active) {
                    if (e.lent != null) {
                        e.lent.active = false;
                        e.lent = null;
                        LOG.debug("plugin {} serves {} itself now", describe(e), v5.name());
                    }
                    continue;
                }
                if (e.lent == null) {
                    e.lent = Mqtt3Fallback.lend(e, v5);
                    LOG.debug(
                            "plugin {} serves {} without {}: its {} handler is asked for MQTT 5 clients too",
                            describe(e),
                            v3.name(),
                            v5.name(),
                            v3.name());
                }
                lent.add(e.lent);
            }
            chain(v5).lend(lent);
        }
    }

    private static String describe(HandlerEntry<?> e) {
        return e.source.isEmpty() ? e.pluginName() : e.pluginName() + " (" + e.source + ")";
    }

    /**
     * @return what a plugin's MQTT 5 clients are asked through its 3.1.1 handlers, e.g.
     *     {@code [auth_on_publish (script auth)]}; empty when it serves every hook it serves for
     *     both protocol families (logged when a plugin starts)
     */
    public List<String> lentHooks(PluginHandle plugin) {
        List<String> out = new ArrayList<>();
        synchronized (lending) {
            for (HookChain<?> c : chains) {
                for (HandlerEntry<?> e : c.own()) {
                    if (e.plugin.name().equals(plugin.name()) && e.lent != null) {
                        out.add(e.source.isEmpty() ? e.hook.name() : e.hook.name() + " (" + e.source + ")");
                    }
                }
            }
        }
        return out;
    }

    /**
     * @return the {@code _m5} hooks a plugin serves without their 3.1.1 twin, e.g.
     *     {@code [auth_on_register_m5]}: MQTT 3.1/3.1.1 clients are not asked those (logged when
     *     a plugin starts, so an operator sees what the plugin does not cover)
     */
    public List<String> mqtt5OnlyHooks(PluginHandle plugin) {
        List<String> out = new ArrayList<>();
        for (Hook<?> h : Hooks.all()) {
            Hook<?> v3 = h.isMqtt5()
                    ? Hooks.byName(h.name().substring(0, h.name().length() - 3)).orElse(null)
                    : null;
            if (v3 == null) {
                continue;
            }
            for (HandlerEntry<?> e : chains[h.id()].own()) {
                boolean paired = false;
                for (HandlerEntry<?> o : chains[v3.id()].own()) {
                    paired |= o.sameSource(e);
                }
                String name = e.source.isEmpty() ? h.name() : h.name() + " (" + e.source + ")";
                if (!paired && e.plugin.name().equals(plugin.name()) && !out.contains(name)) {
                    out.add(name);
                }
            }
        }
        return out;
    }

    /** @return the effective order of {@code hook}'s chain */
    public List<HandlerInfo> order(Hook<?> hook) {
        HandlerEntry<?>[] es = chains[hook.id()].entries;
        List<HandlerInfo> out = new ArrayList<>(es.length);
        for (int i = 0; i < es.length; i++) {
            HandlerEntry<?> e = es[i];
            out.add(new HandlerInfo(
                    hook.name(),
                    i + 1,
                    e.pluginName(),
                    e.priority,
                    e.mayBlock,
                    e.async != null,
                    e.timeout,
                    e.onFailure,
                    e.stats));
        }
        return out;
    }

    /** @return the effective order of every chain that has handlers, by hook name ({@code admin plugin show}) */
    public Map<String, List<HandlerInfo>> orderOfAll() {
        Map<String, List<HandlerInfo>> out = new LinkedHashMap<>();
        for (Hook<?> h : Hooks.all()) {
            if (!isEmpty(h)) {
                out.put(h.name(), order(h));
            }
        }
        return out;
    }

    /** @return the chain-level statistics of {@code hook} */
    public CallStats stats(Hook<?> hook) {
        return chains[hook.id()].stats;
    }

    /**
     * Runs an AUTH or REWRITE chain. Inline handlers run on the calling thread; the result is
     * delivered on {@code caller} whenever a handler ran off it.
     *
     * @param countsAsHandler true when something outside the chain already took part (session
     *     permissions), so an empty chain is "all said next" rather than "no handler"
     */
    <I extends HookInput> CompletableFuture<ChainOutcome> run(
            Hook<I> hook, I input, Executor caller, boolean countsAsHandler) {
        HookChain<I> chain = chain(hook);
        ChainRun<I> run = new ChainRun<>(this, chain, chain.entries, input, caller, countsAsHandler);
        HookTap t = tap;
        String who = input.client().clientId();
        String where = input.client().mountpoint();
        if (t != null && t.wants(where, who)) {
            t.emit(where, who, "hook " + hook.name() + " called (" + chain.entries.length + " handler(s))");
            run.whenComplete((outcome, error) -> t.emit(
                    where,
                    who,
                    "hook " + hook.name() + " answered "
                            + (error instanceof CancellationException
                                    ? "nothing: cancelled, the client went away"
                                    : error != null
                                            ? "failure " + unwrap(error)
                                            : outcome.status().name().toLowerCase(java.util.Locale.ROOT)
                                                    + (outcome.decidedBy() == null ? "" : " by " + outcome.decidedBy())
                                                    + (outcome.error() == null
                                                            ? ""
                                                            : " error="
                                                                    + outcome.error()
                                                                            .reason())
                                                    + (outcome.modifiers().isEmpty()
                                                            ? ""
                                                            : " modifiers=" + outcome.modifiers()))));
        }
        run.start();
        return run;
    }

    /**
     * Runs an AUTH or REWRITE chain right here when every handler of it answers inline (Java
     * plugins usually do): no run object, no future ({@link ChainRun#runInline}).
     *
     * @return how the chain ended, or null when some handler does not answer inline or someone
     *     traces this client: then {@link #run} it (nothing was called yet)
     */
    <I extends HookInput> ChainOutcome runInline(Hook<I> hook, I input, boolean countsAsHandler) {
        HookTap t = tap;
        if (t != null && t.wants(input.client().mountpoint(), input.client().clientId())) {
            return null; // run() tells the tap what was called and how it answered
        }
        HookChain<I> chain = chain(hook);
        return ChainRun.runInline(this, chain, chain.entries, input, countsAsHandler);
    }

    /**
     * Tells every handler of a NOTIFY hook. Non-blocking handlers run here, blocking ones on the
     * worker pool, async ones are started here; answers are ignored, failures logged and counted.
     */
    public <I extends HookInput> void notify(Hook<I> hook, I input) {
        if (hook.kind() != HookKind.NOTIFY) {
            throw new IllegalArgumentException(hook.name() + " is not a NOTIFY hook");
        }
        HookChain<I> chain = chain(hook);
        HandlerEntry<I>[] es = chain.entries;
        if (es.length == 0) {
            return;
        }
        HookTap watcher = tap;
        if (watcher != null
                && watcher.wants(input.client().mountpoint(), input.client().clientId())) {
            watcher.emit(
                    input.client().mountpoint(),
                    input.client().clientId(),
                    "hook " + hook.name() + " notified (" + es.length + " handler(s))");
        }
        chain.stats.countCall();
        for (HandlerEntry<I> e : es) {
            if (!e.active) {
                continue;
            }
            CallStats.Cell cell = e.stats.cell();
            cell.call();
            if (e.runsInline()) {
                long t0 = System.nanoTime();
                Object answered = ChainRun.callInline(e, cell, input);
                long nanos = System.nanoTime() - t0;
                if (answered instanceof Throwable t) {
                    notifyFailed(chain, e, input, "threw " + t, t);
                } else if (answered == null) {
                    notifyFailed(chain, e, input, "returned null", null);
                }
                cell.latency(nanos);
                if (nanos > e.timeoutNanos) {
                    cell.timeout();
                    chain.stats.countTimeout();
                    logFailure(e, input, "ran inline for " + nanos / 1_000_000 + " ms, over its timeout", null);
                }
            } else {
                notifyOffLoop(chain, e, input);
            }
        }
    }

    private <I extends HookInput> void notifyOffLoop(HookChain<I> chain, HandlerEntry<I> e, I input) {
        long t0 = System.nanoTime();
        e.plugin.enter();
        CompletionStage<Answer> stage;
        try {
            stage = invokeOffLoop(e, input);
        } catch (Throwable t) {
            e.plugin.exit();
            notifyFailed(chain, e, input, "threw " + t, rethrowFatal(t));
            return;
        }
        if (stage == null) {
            e.plugin.exit();
            notifyFailed(chain, e, input, "returned a null CompletionStage", null);
            return;
        }
        AtomicInteger once = new AtomicInteger();
        var timeout = timer.schedule(
                () -> {
                    if (once.compareAndSet(0, 1)) {
                        e.stats.countTimeout();
                        chain.stats.countTimeout();
                        logFailure(e, input, "timed out after " + e.timeout.toMillis() + " ms", null);
                        if (stage instanceof CompletableFuture<?> f) {
                            f.cancel(false); // nobody waits for it any more
                        }
                    }
                },
                e.timeoutNanos,
                TimeUnit.NANOSECONDS);
        stage.whenComplete((a, t) -> {
            e.plugin.exit();
            timeout.cancel(false);
            if (once.compareAndSet(0, 1)) {
                e.stats.recordLatency(System.nanoTime() - t0);
                if (t != null) {
                    notifyFailed(chain, e, input, "failed: " + unwrap(t), unwrap(t));
                }
            }
        });
    }

    private <I extends HookInput> void notifyFailed(
            HookChain<I> chain, HandlerEntry<I> e, I input, String what, Throwable t) {
        e.stats.countError();
        chain.stats.countError();
        logFailure(e, input, what, t);
    }

    /**
     * Starts a handler that does not answer inline: blocking ones on the worker pool, async ones
     * right here (their call must not block). Cancelling the returned stage reaches the handler:
     * a blocking call still waiting for a worker is skipped, an async handler's own
     * {@link CompletableFuture} is cancelled.
     */
    <I extends HookInput> CompletionStage<Answer> invokeOffLoop(HandlerEntry<I> e, I input) throws Exception {
        if (!e.mayBlock) {
            return e.async.handle(input);
        }
        CompletableFuture<Answer> result = new CompletableFuture<>();
        blocking.execute(() -> {
            if (result.isCancelled()) {
                return; // the answer stopped being wanted while the call waited for a worker
            }
            try {
                if (e.sync != null) {
                    result.complete(e.sync.handle(input));
                } else {
                    CompletionStage<Answer> s = e.async.handle(input);
                    if (s == null) {
                        result.completeExceptionally(
                                new NullPointerException("handler returned a null CompletionStage"));
                    } else {
                        if (s instanceof CompletableFuture<?> f) {
                            result.whenComplete((a, t) -> {
                                if (result.isCancelled()) {
                                    f.cancel(false);
                                }
                            });
                        }
                        s.whenComplete((a, t) -> {
                            if (t != null) {
                                result.completeExceptionally(t);
                            } else {
                                result.complete(a);
                            }
                        });
                    }
                }
            } catch (Throwable t) {
                result.completeExceptionally(rethrowFatal(t));
            }
        });
        return result;
    }

    /** @return the timer thread: for timeouts and short hand-offs only, never for work */
    public ScheduledExecutorService timer() {
        return timer;
    }

    /** @return the pool blocking handlers run on (also used for plugins' background work) */
    public ExecutorService blockingExecutor() {
        return blocking;
    }

    void logFailure(HandlerEntry<?> e, HookInput input, String what, Throwable t) {
        long suppressed = e.logPermit();
        if (suppressed < 0) {
            return;
        }
        String more = suppressed > 0 ? " (" + suppressed + " similar failures not logged)" : "";
        LOG.warn(
                "hook {}: handler of plugin {} {} for client {}; policy {}{}",
                e.hook.name(),
                e.pluginName(),
                what,
                input.client().clientId(),
                e.hook.kind() == HookKind.NOTIFY ? "none (notify)" : e.onFailure,
                more,
                t);
    }

    void logRewriteError(HandlerEntry<?> e, HookInput input, Answer.Error error) {
        if (e.logPermit() >= 0) {
            LOG.info(
                    "hook {}: plugin {} answered error '{}' for client {}; message goes on unchanged",
                    e.hook.name(),
                    e.pluginName(),
                    error.reason(),
                    input.client().clientId());
        }
    }

    static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /** Lets the JVM's own emergencies through; everything else is a handler failure. */
    static Throwable rethrowFatal(Throwable t) {
        if (t instanceof VirtualMachineError && !(t instanceof StackOverflowError)) {
            throw (VirtualMachineError) t;
        }
        return t;
    }

    private static ThreadFactory daemon(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    @Override
    public void close() {
        if (ownsExecutors) {
            blocking.shutdownNow();
            timer.shutdownNow();
        }
    }
}
