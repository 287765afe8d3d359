package io.hookline.api;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Function;

/**
 * A typed configuration key a plugin declares (see {@link Plugin#configKeys()}): full name,
 * type, default, documentation and whether it can change while running. The broker parses and
 * validates the values before {@code start}; a bad value stops the plugin with a message naming
 * the key.
 *
 * <pre>{@code
 * static final ConfigKey<Path> PASSWORD_FILE =
 *         ConfigKey.path("acl.password_file", Path.of("conf/passwd"), "mosquitto_passwd/vmq-passwd file");
 * static final ConfigKey<Duration> RELOAD =
 *         ConfigKey.duration("acl.reload_interval", Duration.ofSeconds(10), "re-read the files").live();
 * Path file = ctx.config().get(PASSWORD_FILE);
 * }</pre>
 *
 * <p>A name may hold one {@code <name>} segment, making it a pattern that any number of named
 * entries match ({@code webhooks.<name>.endpoint} matches {@code webhooks.auth1.endpoint});
 * read the configured entries with {@link PluginConfig#entries(ConfigKey)}:
 *
 * <pre>{@code
 * static final ConfigKey<String> ENDPOINT = ConfigKey.string("webhooks.<name>.endpoint", null, "URL to POST to");
 * Map<String, String> endpoints = ctx.config().entries(ENDPOINT);   // {"auth1" -> "http://..."}
 * }</pre>
 *
 * @param <T> the value type
 */
public final class ConfigKey<T> {
    private final String name;
    private final Class<T> type;
    private final T defaultValue;
    private final String doc;
    private final boolean live;
    private final Function<String, T> parser;

    private static final String PLACEHOLDER = "<name>";

    private ConfigKey(String name, Class<T> type, T defaultValue, String doc, boolean live, Function<String, T> parser) {
        this.name = Objects.requireNonNull(name, "name");
        this.type = type;
        this.defaultValue = defaultValue;
        this.doc = Objects.requireNonNull(doc, "doc");
        this.live = live;
        this.parser = parser;
    }

    /** @return a text key */
    public static ConfigKey<String> string(String name, String defaultValue, String doc) {
        return new ConfigKey<>(name, String.class, defaultValue, doc, false, s -> s);
    }

    /** @return an integer key */
    public static ConfigKey<Integer> integer(String name, int defaultValue, String doc) {
        return new ConfigKey<>(name, Integer.class, defaultValue, doc, false, s -> Integer.parseInt(s.trim()));
    }

    /** @return an {@code on|off} key (also accepts {@code true|false}) */
    public static ConfigKey<Boolean> flag(String name, boolean defaultValue, String doc) {
        return new ConfigKey<>(name, Boolean.class, defaultValue, doc, false, ConfigKey::parseFlag);
    }

    /** @return a file or directory path key */
    public static ConfigKey<Path> path(String name, Path defaultValue, String doc) {
        return new ConfigKey<>(name, Path.class, defaultValue, doc, false, s -> Path.of(s.trim()));
    }

    /** @return a duration key: a bare number is seconds; suffixes {@code ms s m h d} */
    public static ConfigKey<Duration> duration(String name, Duration defaultValue, String doc) {
        return new ConfigKey<>(name, Duration.class, defaultValue, doc, false, ConfigKey::parseDuration);
    }

    /** @return this key marked as changeable while running ({@code admin config set}) */
    public ConfigKey<T> live() {
        return new ConfigKey<>(name, type, defaultValue, doc, true, parser);
    }

    /** @return true when the name holds a {@code <name>} segment */
    public boolean isPattern() {
        return name.contains(PLACEHOLDER);
    }

    /**
     * @return for a pattern, the entry name that {@code key} fills the placeholder with
     *     ({@code webhooks.<name>.hook} and {@code webhooks.auth1.hook} give {@code auth1}); null
     *     when {@code key} is not an entry of this pattern (or this key is no pattern)
     */
    public String entryOf(String key) {
        int at = name.indexOf(PLACEHOLDER);
        if (at < 0) {
            return null;
        }
        String prefix = name.substring(0, at);
        String suffix = name.substring(at + PLACEHOLDER.length());
        if (key.length() <= prefix.length() + suffix.length() || !key.startsWith(prefix) || !key.endsWith(suffix)) {
            return null;
        }
        String entry = key.substring(prefix.length(), key.length() - suffix.length());
        return entry.indexOf('.') < 0 ? entry : null;
    }

    /** @return the full key, e.g. {@code acl.password_file} */
    public String name() {
        return name;
    }

    /** @return the value type */
    public Class<T> type() {
        return type;
    }

    /** @return the default value (may be null: no default) */
    public T defaultValue() {
        return defaultValue;
    }

    /** @return one line of documentation */
    public String doc() {
        return doc;
    }

    /** @return true when the key can change while running */
    public boolean isLive() {
        return live;
    }

    /**
     * @return {@code text} parsed as this key's type
     * @throws IllegalArgumentException naming the key when the text is not a valid value
     */
    public T parse(String text) {
        try {
            return Objects.requireNonNull(parser.apply(text));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(name + ": invalid value '" + text + "' (" + e.getMessage() + ")", e);
        }
    }

    @Override
    public String toString() {
        return name;
    }

    private static Boolean parseFlag(String s) {
        return switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "on", "true", "yes" -> true;
            case "off", "false", "no" -> false;
            default -> throw new IllegalArgumentException("expected on or off");
        };
    }

    private static Duration parseDuration(String s) {
        String t = s.trim().toLowerCase(Locale.ROOT);
        if (t.endsWith("ms")) {
            return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2).trim()));
        }
        char unit = t.isEmpty() ? ' ' : t.charAt(t.length() - 1);
        if (Character.isDigit(unit)) {
            return Duration.ofSeconds(Long.parseLong(t));
        }
        long n = Long.parseLong(t.substring(0, t.length() - 1).trim());
        return switch (unit) {
            case 's' -> Duration.ofSeconds(n);
            case 'm' -> Duration.ofMinutes(n);
            case 'h' -> Duration.ofHours(n);
            case 'd' -> Duration.ofDays(n);
            default -> throw new IllegalArgumentException("expected a number with ms, s, m, h or d");
        };
    }
}
