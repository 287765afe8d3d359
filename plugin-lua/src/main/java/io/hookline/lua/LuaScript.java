package io.hookline.lua;

import io.hookline.api.PluginContext;
import io.hookline.api.auth.SessionPermissions;
import io.hookline.api.hook.Answer;
import io.hookline.api.hook.AsyncHookHandler;
import io.hookline.api.hook.FailurePolicy;
import io.hookline.api.hook.HandlerOptions;
import io.hookline.api.hook.Hook;
import io.hookline.api.hook.HookRegistration;
import io.hookline.api.hook.Hooks;
import io.hookline.api.hook.Modifier;
import io.hookline.api.hook.Modifiers;
import io.hookline.api.hook.input.HookInput;
import io.hookline.api.hook.input.RegisterInput;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionStage;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Prototype;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One script file and its handlers. The handlers always call the current version; a reload
 * builds the new version completely first, then swaps it in (calls in flight finish on the old
 * one) and adjusts the registrations to the new {@code hooks} table. A version that fails to
 * load leaves the old one serving and is reported in {@link #status()}.
 *
 * <p>Thread-safe: loads are serialized on {@code this}; {@code current} is volatile.
 */
final class LuaScript {
    private final String name;
    private final Path file;
    private final int configuredStates;
    private final FailurePolicy onError;
    private final int priority;
    private final LuaRuntime runtime;
    private final PluginContext ctx;
    private final Logger log;
    private final ScriptStats stats = new ScriptStats();
    private final Map<String, HookRegistration> registrations = new LinkedHashMap<>(); // guarded by this
    private volatile ScriptVersion current;
    private volatile String lastError;
    private byte[] loadedContent; // guarded by this
    private int versions; // guarded by this
    private boolean closed; // guarded by this
    private final int maxSize;

    LuaScript(
            String name,
            Path file,
            int configuredStates,
            FailurePolicy onError,
            int priority,
            LuaRuntime runtime,
            PluginContext ctx,
            int maxSize) {
        this.maxSize = maxSize;
        this.priority = priority;
        this.name = name;
        this.file = file;
        this.configuredStates = configuredStates;
        this.onError = onError;
        this.runtime = runtime;
        this.ctx = ctx;
        this.log = LoggerFactory.getLogger("hookline.lua." + name);
    }

    String name() {
        return name;
    }

    Path file() {
        return file;
    }

    /**
     * Loads the file as the new current version.
     *
     * @throws ScriptException when it cannot be read, compiled or run, or its hooks table is
     *     invalid; the previous version (if any) keeps serving
     */
    synchronized void load() throws ScriptException {
        if (closed) {
            throw new ScriptException(name + ": unloaded");
        }
        byte[] content;
        try {
            content = read(file, maxSize);
        } catch (IOException e) {
            throw failed(new ScriptException(name + ": cannot read " + file + ": " + e, e));
        }
        failedContent = content; // until it loads: the watcher does not retry (and re-report) the same bytes
        ScriptVersion v;
        try {
            Prototype p = LuaState.compile(new ByteArrayInputStream(content), "@" + file.getFileName());
            v = new ScriptVersion(
                    new ScriptVersion.Source(name, file, p),
                    versions + 1,
                    runtime,
                    log,
                    configuredStates,
                    stats.queued);
        } catch (LuaError e) {
            // LuaJ names the end of the file by its token number
            String msg = String.valueOf(e.getMessage())
                    .replaceAll("unexpected symbol 286 \\(.\\)", "unexpected end of file");
            throw failed(new ScriptException(name + ": " + msg, e));
        } catch (IOException e) {
            throw failed(new ScriptException(name + ": " + e, e));
        } catch (ScriptException e) {
            throw failed(e);
        }
        versions++;
        loadedContent = content;
        failedContent = null;
        lastError = null;
        ScriptVersion old = current;
        current = v;
        if (old != null) {
            old.retire();
        }
        v.prepareSpare();
        syncRegistrations(v.hooks());
        log.info(
                "script {} version {} loaded from {}: {} state(s), hooks {}{}",
                name,
                v.number(),
                file,
                v.states(),
                v.hooks(),
                mqtt3Only(v.hooks()));
    }

    /** Which of the script's 3.1.1 functions MQTT 5 clients are asked too, having no _m5 twin. */
    private static String mqtt3Only(List<String> hooks) {
        List<String> lent = hooks.stream()
                .filter(h ->
                        !hooks.contains(h + "_m5") && Hooks.byName(h + "_m5").isPresent())
                .toList();
        List<String> v5only = hooks.stream()
                .filter(h -> h.endsWith("_m5")
                        && Hooks.byName(h).isPresent()
                        && Hooks.byName(h.substring(0, h.length() - 3)).isPresent()
                        && !hooks.contains(h.substring(0, h.length() - 3)))
                .toList();
        return (lent.isEmpty() ? "" : "; MQTT 5 clients are asked " + lent + " too (no _m5 function)")
                + (v5only.isEmpty() ? "" : "; MQTT 3.1/3.1.1 clients are not asked " + v5only + " (no 3.1.1 function)");
    }

    /** Reloads when the file's content changed since the last load attempt that succeeded. */
    synchronized boolean reloadIfChanged() {
        try {
            byte[] now = read(file, maxSize);
            if (Arrays.equals(now, loadedContent) || Arrays.equals(now, failedContent)) {
                return false;
            }
        } catch (IOException e) {
            return false;
        }
        try {
            load();
            return true;
        } catch (ScriptException e) {
            return false;
        }
    }

    /**
     * The file's bytes: a regular file (links followed) of at most {@code max} bytes. A device,
     * a FIFO or a huge file is refused before anything is read, and reading stops at the limit
     * should the file grow meanwhile.
     */
    static byte[] read(Path file, int max) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(Files.exists(file) ? "not a regular file" : "no such file");
        }
        long size = Files.size(file);
        if (size > max) {
            throw new IOException(size + " bytes, above lua.max_script_size (" + max + ")");
        }
        try (java.io.InputStream in = Files.newInputStream(file)) {
            byte[] content = in.readNBytes(max + 1);
            if (content.length > max) {
                throw new IOException("grew above lua.max_script_size (" + max + ") while read");
            }
            return content;
        }
    }

    private byte[] failedContent; // guarded by this: a broken version is reported once, not at every poll

    private ScriptException failed(ScriptException e) {
        lastError = e.getMessage();
        log.error(
                "{} ({})",
                e.getMessage(),
                current == null ? "not loaded" : "version " + current.number() + " keeps serving");
        return e;
    }

    private void syncRegistrations(List<String> hooks) {
        registrations.entrySet().removeIf(e -> {
            if (!hooks.contains(e.getKey())) {
                e.getValue().unregister();
                return true;
            }
            return false;
        });
        for (String h : hooks) {
            if (!registrations.containsKey(h)) {
                registrations.put(h, register(Hooks.byName(h).orElseThrow()));
            }
        }
    }

    /** How much later than {@code lua.call_timeout} the engine gives up on a call. */
    static final java.time.Duration ENGINE_GRACE = java.time.Duration.ofMillis(250);

    private <I extends HookInput> HookRegistration register(Hook<I> hook) {
        // the script's own budget (checked per instruction, from the same start) decides; the
        // engine's cut-off comes a little later, as a backstop, so the two do not race to answer
        // and the timeout is counted and logged by the script that ran out of time
        // paired per script: another script's _m5 function does not excuse this one's 3.1.1 function
        HandlerOptions opts = HandlerOptions.DEFAULT
                .timeout(runtime.callTimeout().plus(ENGINE_GRACE))
                .source(file.toString());
        if (onError != null) {
            opts = opts.onFailure(onError);
        }
        if (priority != 0) {
            opts = opts.priority(priority);
        }
        AsyncHookHandler<I> handler = in -> call(hook, in);
        return ctx.registerAsync(hook, opts, handler);
    }

    private <I extends HookInput> CompletionStage<Answer> call(Hook<I> hook, I in) {
        ScriptVersion v = current;
        long t0 = System.nanoTime();
        long deadline = t0 + runtime.callTimeout().toNanos();
        boolean register = in instanceof RegisterInput;
        // the submitted future itself, not a dependent: the broker's cancel must reach the line
        return v.submit(
                deadline,
                sc -> {
                    LuaValue arg = LuaInputs.table(in);
                    LuaValue r = register
                            ? runtime.authCache().registering(() -> sc.call(hook.name(), arg))
                            : sc.call(hook.name(), arg);
                    Answer a = LuaAnswers.answer(hook, in, r);
                    return register ? withPermissions((RegisterInput) in, a) : a;
                },
                (a, t) -> {
                    if (t instanceof CancellationException) {
                        stats.cancelled.increment(); // skipped: never took a state
                        return;
                    }
                    stats.record(System.nanoTime() - t0);
                    if (t instanceof ScriptVersion.CallTimeoutException) {
                        stats.timeouts.increment();
                    } else if (t != null) {
                        stats.errors.increment();
                        log.debug(
                                "script {} {} for {}: {}",
                                name,
                                hook.name(),
                                in.client().clientId(),
                                t.toString());
                    }
                });
    }

    /** An ok to auth_on_register carries what the call put in auth_cache as session permissions. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private Answer withPermissions(RegisterInput in, Answer a) {
        SessionPermissions p =
                runtime.authCache().take(in.client().mountpoint(), in.client().clientId());
        if (!(a instanceof Answer.Ok ok)) {
            return a;
        }
        if (p == null && ok.modifiers().contains(Modifier.CLIENT_ID)) {
            String mp =
                    ok.modifiers().get(Modifier.MOUNTPOINT).orElse(in.client().mountpoint());
            p = runtime.authCache()
                    .take(mp, ok.modifiers().get(Modifier.CLIENT_ID).orElseThrow());
        }
        if (p == null) {
            return a;
        }
        Modifiers.Builder b = Modifiers.builder();
        ok.modifiers().asMap().forEach((k, val) -> b.set((Modifier) k, val));
        b.set(Modifier.PERMISSIONS, p);
        return Answer.ok(b.build());
    }

    /** Removes the handlers; calls in flight complete. */
    synchronized void unload() {
        closed = true;
        if (current != null) {
            current.retire();
        }
        registrations.values().forEach(HookRegistration::unregister);
        registrations.clear();
        log.info("script {} unloaded", name);
    }

    ScriptStatus status() {
        ScriptVersion v = current;
        return new ScriptStatus(
                name,
                file,
                v == null ? 0 : v.number(),
                v == null ? 0 : v.states(),
                v == null ? 0 : v.waiting(),
                stats.queued.sum(),
                v == null ? List.of() : v.hooks(),
                stats.calls.sum(),
                stats.errors.sum(),
                stats.timeouts.sum(),
                stats.cancelled.sum(),
                stats.averageMicros(),
                stats.p99Micros(),
                lastError,
                v == null ? (lastError == null ? null : "not loaded: " + lastError) : v.problem());
    }

    boolean isLoaded() {
        return current != null;
    }
}
