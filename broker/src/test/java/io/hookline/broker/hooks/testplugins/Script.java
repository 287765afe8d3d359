package io.hookline.broker.hooks.testplugins;

import io.hookline.api.hook.Answer;
import io.hookline.api.hook.AsyncHookHandler;
import io.hookline.api.hook.HandlerOptions;
import io.hookline.api.hook.Hook;
import io.hookline.api.hook.HookHandler;
import io.hookline.api.hook.input.HookInput;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * What a {@link ScriptablePlugin} registers and answers, set by a test. A test creates a script,
 * adds handlers (hook, options, sync or async behaviour), starts a broker with
 * {@link #enable(String)} among its config, and may change a handler's behaviour while the
 * broker runs. Scripts live in a static registry keyed by a random id (the plugin instances are
 * created by the broker's ServiceLoader, so this is how a test reaches them); {@link #close}
 * removes it.
 *
 * <pre>{@code
 * try (Script s = Script.create()) {
 *     s.sync(Hooks.AUTH_ON_PUBLISH_M5, in -> Answer.error("no"));
 *     try (TestBroker b = TestBroker.start(s.enable("script_a"))) { ... }
 * }
 * }</pre>
 *
 * <p>Thread-safe: handlers are called on broker threads while the test changes them.
 */
public final class Script implements AutoCloseable {
    private static final Map<String, Script> SCRIPTS = new ConcurrentHashMap<>();
    /** Completes delayed async answers; daemon, shared by all tests. */
    private static final ScheduledExecutorService DELAYS = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "script-delays");
        t.setDaemon(true);
        return t;
    });

    private final String id = UUID.randomUUID().toString();
    private final List<Handler<?>> handlers = new CopyOnWriteArrayList<>();
    private final List<Call> calls = new CopyOnWriteArrayList<>();

    private Script() {}

    /** @return a new, registered script */
    public static Script create() {
        Script s = new Script();
        SCRIPTS.put(s.id, s);
        return s;
    }

    static Script byId(String id) {
        Script s = SCRIPTS.get(id);
        if (s == null) {
            throw new IllegalStateException("no script " + id + " (closed, or not created by this test?)");
        }
        return s;
    }

    /** @return config pairs enabling plugin {@code pluginName} (script_a, script_b, script_c) with this script */
    public String[] enable(String pluginName) {
        return new String[] {"plugins." + pluginName, "on", pluginName + ".script", id};
    }

    /** @return config pairs enabling {@code pluginName} with this script and {@code plugins.<name>.priority} */
    public String[] enable(String pluginName, int priority) {
        return new String[] {
            "plugins." + pluginName,
            "on",
            pluginName + ".script",
            id,
            "plugins." + pluginName + ".priority",
            Integer.toString(priority)
        };
    }

    /** Adds a synchronous, non-blocking handler with default options. */
    public <I extends HookInput> Handler<I> sync(Hook<I> hook, HookHandler<I> behaviour) {
        return sync(hook, HandlerOptions.DEFAULT, behaviour);
    }

    /** Adds a synchronous handler (blocking when {@code options} say so). */
    public <I extends HookInput> Handler<I> sync(Hook<I> hook, HandlerOptions options, HookHandler<I> behaviour) {
        Handler<I> h = new Handler<>(this, hook, options, false);
        h.answer(behaviour);
        handlers.add(h);
        return h;
    }

    /** Adds a handler answering through a {@link CompletionStage}. */
    public <I extends HookInput> Handler<I> async(Hook<I> hook, HandlerOptions options, AsyncHookHandler<I> behaviour) {
        Handler<I> h = new Handler<>(this, hook, options, true);
        h.answerAsync(behaviour);
        handlers.add(h);
        return h;
    }

    /** @return an async behaviour answering {@code answer} after {@code delay} on a scheduler thread */
    public static <I extends HookInput> AsyncHookHandler<I> delayed(Duration delay, Answer answer) {
        return in -> {
            CompletableFuture<Answer> f = new CompletableFuture<>();
            DELAYS.schedule(() -> f.complete(answer), delay.toMillis(), TimeUnit.MILLISECONDS);
            return f;
        };
    }

    List<Handler<?>> handlers() {
        return handlers;
    }

    void record(Hook<?> hook, String tag, HookInput input) {
        calls.add(new Call(hook.name(), tag, input));
    }

    /** @return every call the handlers of this script got, in call order */
    public List<Call> calls() {
        return List.copyOf(calls);
    }

    /** @return the calls of one hook */
    public List<Call> calls(Hook<?> hook) {
        List<Call> out = new ArrayList<>();
        for (Call c : calls) {
            if (c.hook().equals(hook.name())) {
                out.add(c);
            }
        }
        return out;
    }

    @Override
    public void close() {
        SCRIPTS.remove(id);
    }

    /**
     * One handler call.
     *
     * @param hook the hook name
     * @param tag the handler's tag (see {@link Handler#tag})
     * @param input what the handler got
     */
    public record Call(String hook, String tag, HookInput input) {}

    /**
     * A handler of a script: its hook and options are fixed once the broker started; its
     * behaviour can be swapped at any time.
     *
     * @param <I> the hook's input
     */
    public static final class Handler<I extends HookInput> {
        private final Script script;
        private final Hook<I> hook;
        private final HandlerOptions options;
        private final boolean async;
        private volatile AsyncHookHandler<I> behaviour;
        private volatile String tag = "";

        Handler(Script script, Hook<I> hook, HandlerOptions options, boolean async) {
            this.script = script;
            this.hook = hook;
            this.options = options;
            this.async = async;
        }

        public Hook<I> hook() {
            return hook;
        }

        HandlerOptions options() {
            return options;
        }

        boolean isAsync() {
            return async;
        }

        /** Names this handler in {@link Call#tag()} (to see the order a chain ran in). */
        public Handler<I> tag(String value) {
            this.tag = value;
            return this;
        }

        /** Replaces the behaviour with a synchronous one (also for async handlers: answers at once). */
        public Handler<I> answer(HookHandler<I> sync) {
            this.behaviour = in -> {
                try {
                    return CompletableFuture.completedFuture(sync.handle(in));
                } catch (RuntimeException e) {
                    throw e;
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            };
            return this;
        }

        /** Replaces the behaviour with an asynchronous one (for handlers added with {@link Script#async}). */
        public Handler<I> answerAsync(AsyncHookHandler<I> later) {
            this.behaviour = later;
            return this;
        }

        /** Called by the plugin's sync registration: records, then answers (may throw). */
        Answer callSync(I in) throws Exception {
            script.record(hook, tag, in);
            CompletionStage<Answer> stage = behaviour.handle(in);
            return stage == null ? null : stage.toCompletableFuture().getNow(null);
        }

        /** Called by the plugin's async registration. */
        CompletionStage<Answer> callAsync(I in) {
            script.record(hook, tag, in);
            return behaviour.handle(in);
        }
    }

    /**
     * Async answers the test completes by hand: each call parks a {@link Pending} the test takes
     * (bounded wait) and completes.
     *
     * @param <I> the hook's input
     */
    public static final class Gate<I extends HookInput> implements AsyncHookHandler<I> {
        private final BlockingQueue<Pending<I>> pending = new LinkedBlockingQueue<>();

        @Override
        public CompletionStage<Answer> handle(I input) {
            CompletableFuture<Answer> f = new CompletableFuture<>();
            pending.add(new Pending<>(input, f));
            return f;
        }

        /** @return the next parked call, waiting at most 5 s */
        public Pending<I> take() throws InterruptedException {
            Pending<I> p = pending.poll(5, TimeUnit.SECONDS);
            if (p == null) {
                throw new AssertionError("no call reached the gate within 5 s");
            }
            return p;
        }
    }

    /**
     * A parked call.
     *
     * @param input what the handler got
     * @param answer complete it to answer
     */
    public record Pending<I extends HookInput>(I input, CompletableFuture<Answer> answer) {}
}
