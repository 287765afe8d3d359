package io.hookline.broker.config;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The set of declared keys: the core ones ({@link CoreConfig#schema()}) plus those plugins add.
 *
 * <p>Mutable and not thread-safe: it is filled on one thread at startup; every {@link Config}
 * keeps its own copy, so adding keys later never changes an existing snapshot.
 */
public final class ConfigSchema {

    private final Map<String, ConfigKey<?>> keys = new LinkedHashMap<>();

    public ConfigSchema() {}

    private ConfigSchema(ConfigSchema other) {
        keys.putAll(other.keys);
    }

    /**
     * Declares a key.
     *
     * @throws IllegalArgumentException when the name is taken, or when a pattern could match the
     *     same key as an already declared pattern (a fixed key may shadow one name of a pattern:
     *     {@code listener.ssl.certfile} next to {@code listener.ssl.<name>})
     */
    public ConfigSchema add(ConfigKey<?> key) {
        if (keys.containsKey(key.name())) {
            throw new IllegalArgumentException("key '" + key.name() + "' is declared twice");
        }
        if (key.isPattern()) {
            for (ConfigKey<?> other : keys.values()) {
                if (other.isPattern() && overlap(key, other)) {
                    throw new IllegalArgumentException("key '" + key.name() + "' overlaps key '" + other.name() + "'");
                }
            }
        }
        keys.put(key.name(), key);
        return this;
    }

    /** Every declared key, in declaration order. */
    public Collection<ConfigKey<?>> keys() {
        return Collections.unmodifiableCollection(keys.values());
    }

    /** The key declared under exactly this name (for a pattern: {@code listener.tcp.<name>}). */
    public Optional<ConfigKey<?>> declared(String name) {
        return Optional.ofNullable(keys.get(name));
    }

    /** The declaration a concrete key like {@code listener.tcp.lan} or {@code max_qos} falls under. */
    public Optional<ConfigKey<?>> find(String key) {
        try {
            return Optional.of(resolve(key).key());
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    ConfigSchema copy() {
        return new ConfigSchema(this);
    }

    /** A concrete key resolved to its declaration; {@code entryName} is null for a fixed key. */
    record Resolved(ConfigKey<?> key, String entryName) {}

    /**
     * Resolves a concrete key; a fixed key wins over a pattern.
     *
     * @throws IllegalArgumentException with the user-facing problem: an unknown key (with a
     *     suggestion when one is close) or a pattern entry with a bad name
     */
    Resolved resolve(String key) {
        ConfigKey<?> fixed = keys.get(key);
        if (fixed != null && !fixed.isPattern()) {
            return new Resolved(fixed, null);
        }
        String[] segments = key.split("\\.", -1);
        for (ConfigKey<?> candidate : keys.values()) {
            String entryName = candidate.placeholderText(segments);
            if (entryName == null) {
                continue;
            }
            if (entryName.isEmpty()) {
                throw new IllegalArgumentException("'" + key + "' has an empty name (" + candidate.name() + ")");
            }
            if (!ConfigKey.isValidEntryName(entryName)) {
                throw new IllegalArgumentException(
                        "'" + key + "': '" + entryName + "' is not a valid name (use letters, digits, '_' and '-')");
            }
            return new Resolved(candidate, entryName);
        }
        String suggestion = suggest(key);
        throw new IllegalArgumentException(
                "unknown key '" + key + "'" + (suggestion == null ? "" : " (did you mean '" + suggestion + "'?)"));
    }

    /** Whether some declaration has {@code key}'s shape, even if its entry name is not valid. */
    boolean matchesAnyKey(String key) {
        String[] segments = key.split("\\.", -1);
        for (ConfigKey<?> candidate : keys.values()) {
            if (candidate.name().equals(key) || candidate.placeholderText(segments) != null) {
                return true;
            }
        }
        return false;
    }

    /** The declared key closest to a misspelt one, or null when none is close enough. */
    String suggest(String key) {
        String lower = key.toLowerCase(Locale.ROOT);
        String[] segments = lower.split("\\.", -1);
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (ConfigKey<?> candidate : keys.values()) {
            for (String spelling : spellings(candidate, segments)) {
                int distance = spelling.equals(candidate.name())
                                && withoutPlaceholder(candidate).equals(lower)
                        ? 0
                        : editDistance(lower, spelling);
                if (distance < bestDistance) {
                    best = spelling;
                    bestDistance = distance;
                }
            }
        }
        return best != null && bestDistance <= Math.max(2, best.length() / 4) ? best : null;
    }

    /** How a key meant as {@code candidate} could be spelt: its name, and for a pattern, with the key's own entry name. */
    private static List<String> spellings(ConfigKey<?> candidate, String[] keySegments) {
        List<String> spellings = new ArrayList<>();
        spellings.add(candidate.name());
        if (candidate.isPattern() && keySegments.length == candidate.segments().length) {
            String[] parts = candidate.segments();
            parts[candidate.placeholderIndex()] = keySegments[candidate.placeholderIndex()];
            spellings.add(String.join(".", parts));
        }
        return spellings;
    }

    /** {@code listener.tcp.<name>} as {@code listener.tcp}: what someone who forgot the name writes. */
    private static String withoutPlaceholder(ConfigKey<?> key) {
        List<String> parts = new ArrayList<>(List.of(key.segments()));
        if (key.isPattern()) {
            parts.remove(key.placeholderIndex());
        }
        return String.join(".", parts);
    }

    private static boolean overlap(ConfigKey<?> a, ConfigKey<?> b) {
        String[] x = a.segments();
        String[] y = b.segments();
        if (x.length != y.length) {
            return false;
        }
        for (int i = 0; i < x.length; i++) {
            boolean wildcard = i == a.placeholderIndex() || i == b.placeholderIndex();
            if (!wildcard && !x[i].equals(y[i])) {
                return false;
            }
        }
        return true;
    }

    /** Levenshtein distance. */
    static int editDistance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
