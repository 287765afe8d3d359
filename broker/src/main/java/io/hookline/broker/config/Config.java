package io.hookline.broker.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A validated configuration: every value typed, every key known. Immutable and thread-safe;
 * a change ({@link #with}) makes a new snapshot.
 *
 * <p>Environment variables override the file: {@code HOOKLINE_} + the key in upper case with
 * {@code .} as {@code __} ({@code HOOKLINE_MAX_INFLIGHT_MESSAGES},
 * {@code HOOKLINE_LISTENER__TCP__DEFAULT}). A variable for a pattern entry the file does not
 * have adds it (its name in lower case). {@code HOOKLINE_} variables that name no key are left
 * alone (other tools use the prefix too, e.g. {@code HOOKLINE_API_KEY}); one that looks like a
 * misspelt key gets a warning.
 */
public final class Config {

    /** Prefix of environment variables that override keys. */
    public static final String ENV_PREFIX = "HOOKLINE_";

    private static final Logger LOG = LoggerFactory.getLogger(Config.class);

    /** One key set to a value; {@code origin} says by whom, e.g. {@code conf/broker.conf:12}. */
    private record Setting(ConfigSchema.Resolved resolved, String raw, Object value, String origin) {}

    private final Path source;
    private final ConfigSchema schema;
    private final Map<String, Setting> settings;
    private final List<String> warnings;

    private Config(Path source, ConfigSchema schema, Map<String, Setting> settings, List<String> warnings) {
        this.source = source;
        this.schema = schema;
        this.settings = Collections.unmodifiableMap(new LinkedHashMap<>(settings));
        this.warnings = List.copyOf(warnings);
        for (String warning : warnings) {
            LOG.warn(warning);
        }
    }

    /** Loads {@code file} against the core keys, with overrides from {@link System#getenv()}. */
    public static Config load(Path file) throws ConfigException {
        return load(file, CoreConfig.schema(), System.getenv());
    }

    /**
     * Loads {@code file} against {@code schema} (copied: adding keys to it later changes nothing
     * here), with overrides from {@code env}.
     *
     * @throws ConfigException with every problem of the file, then of the environment, in order
     */
    public static Config load(Path file, ConfigSchema schema, Map<String, String> env) throws ConfigException {
        return validate(ConfigFile.read(file), schema, env);
    }

    /** Validates an already parsed file; see {@link #load(Path, ConfigSchema, Map)}. */
    public static Config validate(ConfigFile file, ConfigSchema schema, Map<String, String> env)
            throws ConfigException {
        ConfigSchema snapshot = schema.copy();
        TreeMap<Integer, String> fileProblems = new TreeMap<>();
        for (ConfigFile.SyntaxError error : file.syntaxErrors()) {
            fileProblems.put(error.line(), file.path() + ":" + error.line() + ": " + error.message());
        }
        Map<String, Setting> settings = new LinkedHashMap<>();
        Map<String, Integer> firstLine = new LinkedHashMap<>();
        for (ConfigFile.Entry entry : file.entries()) {
            String where = file.path() + ":" + entry.line();
            Integer first = firstLine.putIfAbsent(entry.key(), entry.line());
            if (first != null) {
                fileProblems.put(
                        entry.line(),
                        where + ": duplicate key '" + entry.key() + "' (first set on line " + first + ")");
                continue;
            }
            try {
                settings.put(entry.key(), setting(snapshot, entry.key(), entry.value(), where));
            } catch (IllegalArgumentException e) {
                fileProblems.put(entry.line(), where + ": " + e.getMessage());
            }
        }
        List<String> problems = new ArrayList<>(fileProblems.values());
        List<String> warnings = new ArrayList<>();
        problems.addAll(applyEnvironment(snapshot, env, settings, warnings));
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return new Config(file.path(), snapshot, settings, warnings);
    }

    /** For tests: {@code values} against the core keys, no environment; problems name the key. */
    public static Config of(Map<String, String> values) throws ConfigException {
        return of(values, CoreConfig.schema());
    }

    /** For tests: {@code values} against {@code schema}, no environment; problems name the key. */
    public static Config of(Map<String, String> values, ConfigSchema schema) throws ConfigException {
        return new Config(null, schema.copy(), Map.of(), List.of()).with(values, "given");
    }

    /**
     * A copy with {@code changes} applied, each validated; nothing changes unless all are valid.
     * Changing a key that is not {@link ConfigKey#live()} is allowed here: refusing it at runtime
     * is up to the caller ({@code config set}).
     *
     * @throws ConfigException with every invalid change, each naming its key
     */
    public Config with(Map<String, String> changes) throws ConfigException {
        return with(changes, "runtime");
    }

    private Config with(Map<String, String> changes, String origin) throws ConfigException {
        Map<String, Setting> updated = new LinkedHashMap<>(settings);
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, String> change : changes.entrySet()) {
            try {
                String raw = change.getValue().strip();
                updated.put(change.getKey(), setting(schema, change.getKey(), raw, origin));
            } catch (IllegalArgumentException e) {
                problems.add(e.getMessage());
            }
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return new Config(source, schema, updated, List.of());
    }

    /** The value of a fixed key, or its default ({@code null} when it has none). */
    @SuppressWarnings("unchecked")
    public <T> T get(ConfigKey<T> key) {
        requireDeclared(key);
        if (key.isPattern()) {
            throw new IllegalArgumentException("'" + key + "' is a pattern key: use named() or get(key, name)");
        }
        Setting setting = settings.get(key.name());
        return setting == null ? key.defaultValue() : (T) setting.value();
    }

    /** The value of one entry of a pattern key, or the key's default ({@code null} when it has none). */
    @SuppressWarnings("unchecked")
    public <T> T get(ConfigKey<T> patternKey, String name) {
        requireDeclared(patternKey);
        Setting setting = settings.get(patternKey.concrete(name));
        return setting == null ? patternKey.defaultValue() : (T) setting.value();
    }

    /** Every entry of a pattern key, name to value, in file order (then environment, then changes). */
    @SuppressWarnings("unchecked")
    public <T> Map<String, T> named(ConfigKey<T> patternKey) {
        requireDeclared(patternKey);
        if (!patternKey.isPattern()) {
            throw new IllegalArgumentException("'" + patternKey + "' is not a pattern key: use get()");
        }
        Map<String, T> named = new LinkedHashMap<>();
        for (Setting setting : settings.values()) {
            if (setting.resolved().key() == patternKey) {
                named.put(setting.resolved().entryName(), (T) setting.value());
            }
        }
        return Collections.unmodifiableMap(named);
    }

    /**
     * The text in effect for a concrete key, for {@code config show}: as written (file,
     * environment, change) or else its default's text. Empty for unknown keys and keys with no value.
     */
    public Optional<String> raw(String key) {
        Setting setting = settings.get(key);
        if (setting != null) {
            return Optional.of(setting.raw());
        }
        return schema.find(key).map(ConfigKey::defaultText);
    }

    /**
     * Where a key's value came from: {@code conf/broker.conf:12}, {@code environment HOOKLINE_X},
     * {@code runtime}; empty when the default is in effect.
     */
    public Optional<String> origin(String key) {
        return Optional.ofNullable(settings.get(key)).map(Setting::origin);
    }

    /** The keys that are set (not defaulted), in file order, each with its text. */
    public Map<String, String> entries() {
        Map<String, String> entries = new LinkedHashMap<>();
        settings.forEach((key, setting) -> entries.put(key, setting.raw()));
        return Collections.unmodifiableMap(entries);
    }

    /** The declarations this snapshot was validated against. */
    public List<ConfigKey<?>> keys() {
        return List.copyOf(schema.keys());
    }

    /** The file this came from; {@code null} for {@link #of}. */
    public Path source() {
        return source;
    }

    /** Warnings found while loading (already logged), e.g. a misspelt-looking environment variable. */
    public List<String> warnings() {
        return warnings;
    }

    /** The environment variable that overrides {@code key}: {@code listener.tcp.lan} is {@code HOOKLINE_LISTENER__TCP__LAN}. */
    public static String environmentVariable(String key) {
        return ENV_PREFIX + key.toUpperCase(Locale.ROOT).replace(".", "__");
    }

    private void requireDeclared(ConfigKey<?> key) {
        if (schema.declared(key.name()).orElse(null) != key) {
            throw new IllegalArgumentException("key '" + key + "' is not in this config's schema");
        }
    }

    /** Validates one entry; the exception's message is the problem without its location. */
    private static Setting setting(ConfigSchema schema, String key, String raw, String origin) {
        ConfigSchema.Resolved resolved = schema.resolve(key);
        ValueType<?> type = resolved.key().type();
        if (raw.isEmpty() && !type.acceptsEmpty()) {
            throw new IllegalArgumentException(key + ": no value");
        }
        try {
            return new Setting(resolved, raw, type.parse(raw), origin);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(key + ": " + e.getMessage(), e);
        }
    }

    /** Applies {@code HOOKLINE_*} overrides to {@code settings}; returns the problems. */
    private static List<String> applyEnvironment(
            ConfigSchema schema, Map<String, String> env, Map<String, Setting> settings, List<String> warnings) {
        List<String> problems = new ArrayList<>();
        List<String> variables = new ArrayList<>(env.keySet());
        variables.sort(Comparator.naturalOrder());
        for (String variable : variables) {
            if (!variable.startsWith(ENV_PREFIX) || variable.length() == ENV_PREFIX.length()) {
                continue;
            }
            String key = variable.substring(ENV_PREFIX.length())
                    .toLowerCase(Locale.ROOT)
                    .replace("__", ".");
            for (String existing : settings.keySet()) {
                if (existing.equalsIgnoreCase(key)) {
                    key = existing; // keep the file's spelling of an entry name
                }
            }
            if (!schema.matchesAnyKey(key)) {
                String suggestion = schema.suggest(key);
                if (suggestion != null) {
                    warnings.add("ignoring " + variable + ": there is no key '" + key + "' (did you mean "
                            + environmentVariable(suggestion) + "?)");
                }
                continue;
            }
            String origin = "environment " + variable;
            try {
                settings.put(key, setting(schema, key, env.get(variable).strip(), origin));
            } catch (IllegalArgumentException e) {
                problems.add(origin + ": " + e.getMessage());
            }
        }
        return problems;
    }
}
