package io.hookline.api.mqtt;

import java.nio.charset.StandardCharsets;

/**
 * MQTT topic rules shared by the broker and plugins: validity of names and filters, matching,
 * and {@code %u %c %m} substitution in ACL patterns.
 *
 * <pre>{@code
 * Topics.matches("sensors/+/temp", "sensors/kitchen/temp");   // true
 * Topics.covers("sensors/#", "sensors/+/temp");              // true: every match of the filter is allowed
 * Topics.substitute("clients/%c/#", "c1", "alice", "")      // "clients/c1/#"
 * }</pre>
 */
public final class Topics {
    private static final int MAX_LENGTH = 65_535;

    private Topics() {
    }

    /** @return true when {@code name} may be published to: non-empty, no wildcard, no NUL, at most 65535 bytes */
    public static boolean isValidTopicName(String name) {
        if (name == null || name.isEmpty() || !withinLength(name)) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '+' || c == '#' || c == '\u0000') {
                return false;
            }
        }
        return true;
    }

    /** @return true when {@code filter} is a valid subscription filter ({@code +} and {@code #} whole levels, {@code #} last) */
    public static boolean isValidFilter(String filter) {
        if (filter == null || filter.isEmpty() || !withinLength(filter)) {
            return false;
        }
        int len = filter.length();
        for (int i = 0; i < len; i++) {
            char c = filter.charAt(i);
            if (c == '\u0000') {
                return false;
            }
            if (c == '+' || c == '#') {
                boolean levelStart = i == 0 || filter.charAt(i - 1) == '/';
                boolean levelEnd = i == len - 1 || filter.charAt(i + 1) == '/';
                if (!levelStart || !levelEnd || (c == '#' && i != len - 1)) {
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * @return true when topic name {@code topic} matches {@code filter}. Per the spec, a filter
     *     starting with a wildcard does not match a topic starting with {@code $}.
     */
    public static boolean matches(String filter, String topic) {
        if (topic.startsWith("$") && (filter.startsWith("+") || filter.startsWith("#"))) {
            return false;
        }
        int fl = filter.length();
        int tl = topic.length();
        int f = 0;
        int t = 0;
        while (true) {
            int fEnd = levelEnd(filter, f);
            if (fEnd - f == 1 && filter.charAt(f) == '#') {
                return true;
            }
            int tEnd = levelEnd(topic, t);
            boolean plus = fEnd - f == 1 && filter.charAt(f) == '+';
            if (!plus && (fEnd - f != tEnd - t || !filter.regionMatches(f, topic, t, fEnd - f))) {
                return false;
            }
            boolean filterDone = fEnd == fl;
            boolean topicDone = tEnd == tl;
            if (filterDone || topicDone) {
                // "a/#" also matches "a": only a trailing "/#" may remain of the filter
                return filterDone ? topicDone : fEnd + 2 == fl && filter.charAt(fEnd + 1) == '#';
            }
            f = fEnd + 1;
            t = tEnd + 1;
        }
    }

    /**
     * @return true when every topic that {@code filter} can match is also matched by
     *     {@code pattern}: the check for "may this client subscribe to filter" against an ACL
     *     pattern. Both are filters.
     */
    public static boolean covers(String pattern, String filter) {
        String[] p = pattern.split("/", -1);
        String[] s = filter.split("/", -1);
        for (int i = 0; i < p.length; i++) {
            if (p[i].equals("#")) {
                return !(i == 0 && s[0].startsWith("$"));
            }
            if (i >= s.length) {
                return false;
            }
            if (s[i].equals("#")) {
                return false;
            }
            if (p[i].equals("+")) {
                if (i == 0 && s[0].startsWith("$")) {
                    return false;
                }
                continue;
            }
            if (!p[i].equals(s[i])) {
                return false;
            }
        }
        return p.length == s.length;
    }

    /**
     * Substitutes {@code %u} (username), {@code %c} (client id) and {@code %m} (mountpoint) in an
     * ACL pattern.
     *
     * @return the pattern with values substituted, or null when a needed value is absent or
     *     contains {@code /}, {@code +} or {@code #} (a client must not widen its own rights by
     *     choosing a name such as {@code #})
     */
    public static String substitute(String pattern, String clientId, String username, String mountpoint) {
        if (pattern.indexOf('%') < 0) {
            return pattern;
        }
        StringBuilder out = new StringBuilder(pattern.length() + 16);
        for (int i = 0; i < pattern.length(); i++) {
            char c = pattern.charAt(i);
            if (c == '%' && i + 1 < pattern.length()) {
                char k = pattern.charAt(i + 1);
                String value = switch (k) {
                    case 'u' -> username;
                    case 'c' -> clientId;
                    case 'm' -> mountpoint;
                    default -> null;
                };
                if (k == 'u' || k == 'c' || k == 'm') {
                    if (value == null || !safeLevel(value)) {
                        return null;
                    }
                    out.append(value);
                    i++;
                    continue;
                }
            }
            out.append(c);
        }
        return out.toString();
    }

    private static boolean safeLevel(String value) {
        return value.indexOf('/') < 0 && value.indexOf('+') < 0 && value.indexOf('#') < 0;
    }

    private static int levelEnd(String s, int from) {
        int i = s.indexOf('/', from);
        return i < 0 ? s.length() : i;
    }

    private static boolean withinLength(String s) {
        return s.length() <= MAX_LENGTH / 3 || s.getBytes(StandardCharsets.UTF_8).length <= MAX_LENGTH;
    }
}
