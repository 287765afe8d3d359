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
 * @param <T> the value type
 */
public final class ConfigKey<T> {
    private final String name;
    private final Class<T> type;
    private final T defaultValue;
    private final String doc;
    private final boolean live;
    private final Function<String, T> parser;

    private ConfigKey(
            String name, Class<T> type, T defaultValue, String doc, boolean live, Function<String, T> parser) {
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

    /**
     * @return true when one segment of the name is a placeholder such as {@code <name>}
     *     ({@code lua.<name>.file}): the key stands for any number of named entries
     */
    public boolean isPattern() {
        return name.matches("(.*\\.)?<[a-z_]+>(\\..*)?");
    }

    /**
     * @return the entry name when {@code concreteKey} is an entry of this pattern key
     *     ({@code lua.auth.file} of {@code lua.<name>.file} gives {@code auth}), else null
     */
    public String entryName(String concreteKey) {
        if (!isPattern()) {
            return null;
        }
        String[] mine = name.split("\\.", -1);
        String[] theirs = concreteKey.split("\\.", -1);
        if (mine.length != theirs.length) {
            return null;
        }
        String entry = null;
        for (int i = 0; i < mine.length; i++) {
            if (mine[i].startsWith("<")) {
                entry = theirs[i];
            } else if (!mine[i].equals(theirs[i])) {
                return null;
            }
        }
        return entry == null || entry.isEmpty() ? null : entry;
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
            return Duration.ofMillis(
                    Long.parseLong(t.substring(0, t.length() - 2).trim()));
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
