package io.hookline.lua;

import io.hookline.api.Cancellable;
import io.hookline.api.ConfigKey;
import io.hookline.api.Plugin;
import io.hookline.api.PluginConfig;
import io.hookline.api.PluginContext;
import io.hookline.api.hook.FailurePolicy;
import io.hookline.lua.binding.AuthCache;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lua scripts on every hook, compatible with VerneMQ's diversity plugin (see docs/hooks.md, "Lua
 * wire format"). Scripts come from {@code lua.script_dir} (every {@code *.lua} directly
 * in it), from {@code lua.NAME.file}, and at runtime from {@link #load}; a changed file is
 * reloaded. {@link #load}, {@link #reload}, {@link #unload} and {@link #show} are what
 * {@code admin script load|reload|unload|show} call.
 *
 * <p>Thread-safe: the script map is guarded by {@code this}; each script serializes its loads.
 */
public final class LuaPlugin implements Plugin {
    public static final ConfigKey<Path> SCRIPT_DIR = ConfigKey.path(
            "lua.script_dir",
            Path.of("scripts"),
            "every *.lua directly in this directory is loaded (require finds modules there too)");
    public static final ConfigKey<Path> FILE =
            ConfigKey.path("lua.<name>.file", null, "a script to load under the name NAME");
    public static final ConfigKey<Integer> NUM_STATES = ConfigKey.integer(
            "lua.<name>.num_states",
            0,
            "Lua states serving script NAME (calls run concurrently on them); 0 = the script's num_states, else lua.num_states");
    public static final ConfigKey<Integer> DEFAULT_STATES = ConfigKey.integer(
            "lua.num_states",
            0,
            "Lua states per script when neither lua.NAME.num_states nor the script's num_states says; "
                    + "0 = one per core, at least two (a runaway call then holds only its own state)");
    public static final ConfigKey<String> ON_ERROR = ConfigKey.string(
            "lua.<name>.on_error",
            "",
            "what a failed or timed-out call of script NAME means: deny, next or allow (default: deny)");
    public static final ConfigKey<Integer> PRIORITY = ConfigKey.integer(
            "lua.<name>.priority",
            0,
            "order of script NAME's handlers in each chain (lower runs first; 0 = the plugin's priority)");
    public static final ConfigKey<Integer> CALL_TIMEOUT = ConfigKey.integer(
            "lua.call_timeout",
            5000,
            "time budget of every Lua call in milliseconds; a call over it is cut off and its failure policy applies");
    public static final ConfigKey<String> MAX_MEMORY = ConfigKey.string(
            "lua.max_memory",
            "64MB",
            "bytes one Lua call may allocate (garbage included), e.g. 64MB, 512KB; over it the call fails "
                    + "(failure policy) and its state is replaced; 0 = no limit");
    public static final ConfigKey<Boolean> ALLOW_UNSAFE = ConfigKey.flag(
            "lua.allow_unsafe",
            false,
            "on: scripts get io, os.execute, luajava, debug and binary chunks (off: sandboxed)");
    public static final ConfigKey<Duration> RELOAD_INTERVAL = ConfigKey.duration(
            "lua.reload_interval", Duration.ofSeconds(2), "how often script files are checked for changes (0 = never)");

    public static final ConfigKey<Integer> MAX_SCRIPT_SIZE = ConfigKey.integer(
            "lua.max_script_size",
            1024 * 1024,
            "largest script file read, in bytes; a larger file (or one that is not a regular file) is refused");

    private static final Logger LOG = LoggerFactory.getLogger(LuaPlugin.class);

    private final Map<Path, LuaScript> scripts = new LinkedHashMap<>(); // guarded by this
    /** Files of the script directory unloaded at runtime: the watcher leaves them alone until loaded again. */
    private final java.util.Set<Path> unloaded = new java.util.HashSet<>(); // guarded by this

    private PluginContext ctx;
    private LuaRuntime runtime;
    private Path scriptDir;
    private Map<String, Integer> numStates = Map.of();
    private Map<String, FailurePolicy> onError = Map.of();
    private Map<String, Integer> priorities = Map.of();
    private Cancellable watcher;
    private int maxScriptSize;
    private io.hookline.api.metrics.Counter loadsRefused;

    @Override
    public String name() {
        return "lua";
    }

    @Override
    public List<ConfigKey<?>> configKeys() {
        return List.of(
                SCRIPT_DIR,
                FILE,
                NUM_STATES,
                DEFAULT_STATES,
                ON_ERROR,
                PRIORITY,
                CALL_TIMEOUT,
                MAX_MEMORY,
                ALLOW_UNSAFE,
                RELOAD_INTERVAL,
                MAX_SCRIPT_SIZE);
    }

    @Override
    public synchronized void start(PluginContext context) throws Exception {
        PluginConfig cfg = context.config();
        int timeout = cfg.get(CALL_TIMEOUT);
        if (timeout <= 0) {
            throw new IllegalArgumentException("lua.call_timeout must be positive, got " + timeout);
        }
        Map<String, FailurePolicy> policies = new LinkedHashMap<>();
        cfg.named(ON_ERROR).forEach((n, v) -> {
            if (!v.isBlank()) {
                try {
                    policies.put(n, FailurePolicy.valueOf(v.trim().toUpperCase(Locale.ROOT)));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(
                            "lua." + n + ".on_error: expected deny, next or allow, got '" + v + "'");
                }
            }
        });
        cfg.named(NUM_STATES).forEach((n, v) -> {
            if (v < 0 || v > 1024) {
                throw new IllegalArgumentException("lua." + n + ".num_states: expected 1..1024, got " + v);
            }
        });
        int maxSize = cfg.get(MAX_SCRIPT_SIZE);
        if (maxSize <= 0) {
            throw new IllegalArgumentException("lua.max_script_size must be positive, got " + maxSize);
        }
        this.maxScriptSize = maxSize;
        this.loadsRefused = context.metrics().counter("script_loads_refused");
        int defaultStates = cfg.get(DEFAULT_STATES);
        if (defaultStates < 0 || defaultStates > 1024) {
            throw new IllegalArgumentException(
                    "lua.num_states: expected 0 (one per core, at least two) or 1..1024, got " + defaultStates);
        }
        long maxMemory = parseSize(MAX_MEMORY.name(), cfg.get(MAX_MEMORY));
        if (maxMemory > 0 && !CallBudget.canMeasureMemory()) {
            LOG.warn("lua.max_memory: this JVM cannot measure what a thread allocates; only string.rep and "
                    + "table.concat are checked");
        }
        this.ctx = context;
        this.onError = policies;
        this.numStates = cfg.named(NUM_STATES);
        this.priorities = cfg.named(PRIORITY);
        this.runtime = new LuaRuntime(
                cfg.get(ALLOW_UNSAFE),
                Duration.ofMillis(timeout),
                defaultStates,
                maxMemory,
                new AuthCache(context.clients()));
        this.scriptDir = cfg.get(SCRIPT_DIR);
        if (runtime.allowUnsafe()) {
            LOG.warn("lua.allow_unsafe = on: scripts can run programs and write files");
        }
        for (Map.Entry<String, Path> e : cfg.named(FILE).entrySet()) {
            loadLogged(e.getKey(), e.getValue());
        }
        for (Path p : dirScripts()) {
            if (!scripts.containsKey(key(p))) {
                loadLogged(baseName(p), p);
            }
        }
        ScriptCommands.register(context.commands(), this);
        Duration every = cfg.get(RELOAD_INTERVAL);
        if (!every.isZero() && !every.isNegative()) {
            watcher = context.scheduler().scheduleAtFixedRate(every, every, this::poll);
        }
    }

    @Override
    public synchronized void stop() {
        if (watcher != null) {
            watcher.cancel();
            watcher = null;
        }
        scripts.values().forEach(LuaScript::unload);
        scripts.clear();
        unloaded.clear();
        if (runtime != null) {
            runtime.close();
            runtime = null;
        }
    }

    /**
     * Loads a script at runtime ({@code admin script load path=P}). Only a file inside
     * {@code lua.script_dir} (links resolved) is loaded: the admin API must not become a way to
     * read any file the broker can.
     *
     * @throws ScriptException when it does not load or is outside the script directory (nothing is registered then)
     * @throws IllegalStateException when the plugin is not started or the file is loaded already
     */
    public synchronized ScriptStatus load(Path file) throws ScriptException {
        requireStarted();
        requireInScriptDir(file);
        if (scripts.containsKey(key(file))) {
            throw new IllegalStateException(file + " is loaded already; use reload");
        }
        String name = baseName(file);
        LuaScript s = newScript(name, file);
        s.load();
        scripts.put(key(file), s);
        unloaded.remove(key(file));
        return s.status();
    }

    /**
     * Reloads a loaded script now ({@code admin script reload path=P}).
     *
     * @throws ScriptException when the new version does not load (the old one keeps serving)
     */
    public ScriptStatus reload(Path file) throws ScriptException {
        LuaScript s = script(file);
        s.load();
        return s.status();
    }

    /** Unloads a script ({@code admin script unload path=P}); calls in flight complete. */
    public synchronized ScriptStatus unload(Path file) {
        LuaScript s = script(file);
        scripts.remove(key(file));
        unloaded.add(key(file));
        s.unload();
        return s.status();
    }

    /** @return every loaded script ({@code admin script show}) */
    public synchronized List<ScriptStatus> show() {
        List<ScriptStatus> out = new ArrayList<>();
        scripts.values().forEach(s -> out.add(s.status()));
        return out;
    }

    /** A script that cannot serve (never loaded, no Lua state left) makes the broker unhealthy. */
    @Override
    public List<String> healthProblems() {
        List<String> out = new ArrayList<>();
        for (ScriptStatus s : show()) {
            if (s.problem() != null) {
                out.add("script " + s.name() + ": " + s.problem());
            }
        }
        return out;
    }

    /** @return the runtime the scripts share (kv tables, pools), while started */
    public Optional<LuaRuntime> runtime() {
        return Optional.ofNullable(runtime);
    }

    private synchronized LuaScript script(Path file) {
        requireStarted();
        LuaScript s = scripts.get(key(file));
        if (s == null) {
            throw new IllegalArgumentException("no script loaded from " + file + "; loaded: "
                    + scripts.values().stream().map(x -> x.file().toString()).toList());
        }
        return s;
    }

    private void requireInScriptDir(Path file) throws ScriptException {
        String refused = null;
        try {
            Path dir = scriptDir.toRealPath();
            if (!file.toRealPath().startsWith(dir)) {
                refused = "outside lua.script_dir (" + dir + "); only scripts in it may be loaded at runtime";
            }
        } catch (IOException e) {
            refused = "cannot be read (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")";
        }
        if (refused != null) {
            loadsRefused.increment();
            LOG.warn("script load {} refused: {}", file, refused);
            throw new ScriptException(file + " " + refused);
        }
    }

    private void requireStarted() {
        if (runtime == null) {
            throw new IllegalStateException("plugin lua is not started (plugins.lua = on)");
        }
    }

    private void loadLogged(String name, Path file) {
        LuaScript s = newScript(name, file);
        scripts.put(key(file), s);
        try {
            s.load();
        } catch (ScriptException e) {
            // kept in the map: show() reports the error and the watcher loads it once it is fixed
            LOG.debug("script {} not loaded", name, e);
        }
    }

    private LuaScript newScript(String name, Path file) {
        int states = numStates.getOrDefault(name, 0);
        int priority = priorities.getOrDefault(name, 0);
        return new LuaScript(name, file, states, onError.get(name), priority, runtime, ctx, maxScriptSize);
    }

    /** Reloads changed files and loads new files of the script directory. */
    private void poll() {
        List<LuaScript> all;
        synchronized (this) {
            if (runtime == null) {
                return;
            }
            for (Path p : dirScripts()) {
                if (!scripts.containsKey(key(p)) && !unloaded.contains(key(p))) {
                    loadLogged(baseName(p), p);
                }
            }
            all = new ArrayList<>(scripts.values());
        }
        for (LuaScript s : all) {
            s.reloadIfChanged();
        }
    }

    private List<Path> dirScripts() {
        List<Path> out = new ArrayList<>();
        if (scriptDir == null || !Files.isDirectory(scriptDir)) {
            return out;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(scriptDir, "*.lua")) {
            for (Path p : ds) {
                if (Files.isRegularFile(p)) {
                    out.add(p);
                }
            }
        } catch (IOException e) {
            LOG.warn("cannot list lua.script_dir {}: {}", scriptDir, e.toString());
        }
        out.sort(null);
        return out;
    }

    /**
     * @return {@code text} as bytes: a number with an optional unit B, KB, MB or GB (1024-based)
     * @throws IllegalArgumentException naming the key when it is not one
     */
    static long parseSize(String key, String text) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?i)\\s*(\\d+)\\s*(B|K|KB|M|MB|G|GB)?\\s*")
                .matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException(
                    key + ": expected a size such as 64MB, 512KB or 0 (no limit), got '" + text + "'");
        }
        String unit = m.group(2) == null ? "B" : m.group(2).toUpperCase(Locale.ROOT);
        int shift = switch (unit.charAt(0)) {
            case 'K' -> 10;
            case 'M' -> 20;
            case 'G' -> 30;
            default -> 0;
        };
        try {
            long n = Long.parseLong(m.group(1));
            if (n > Long.MAX_VALUE >> shift) {
                throw new NumberFormatException();
            }
            return n << shift;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + ": " + text + " is too large");
        }
    }

    private static Path key(Path file) {
        return file.toAbsolutePath().normalize();
    }

    private static String baseName(Path file) {
        String n = file.getFileName().toString();
        return n.endsWith(".lua") ? n.substring(0, n.length() - 4) : n;
    }
}
