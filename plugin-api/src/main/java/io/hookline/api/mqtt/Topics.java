package io.hookline.api.mqtt;

/**
 * MQTT topic rules, the one copy the broker and plugins share (MQTT 3.1.1 §4.7, MQTT 5
 * §4.7/4.8): validity of topic names, filters and shared subscriptions, matching, and
 * {@code %u %c %m} substitution in ACL patterns. Stateless; every method is iterative, so topics
 * with tens of thousands of levels cannot overflow the stack.
 *
 * <pre>{@code
 * Topics.matches("sensors/+/temp", "sensors/kitchen/temp");   // true
 * Topics.covers("sensors/#", "sensors/+/temp");              // true: every match of the filter is allowed
 * Topics.substitute("clients/%c/#", "c1", "alice", "")      // "clients/c1/#"
 * Topics.parseShared("$share/g/sensors/#")                  // SharedFilter[group=g, filter=sensors/#]
 * }</pre>
 */
public final class Topics {
    /** Maximum length of a UTF-8 encoded MQTT string, in bytes. */
    public static final int MAX_BYTES = 65_535;

    /** What a shared subscription filter starts with. */
    public static final String SHARE_PREFIX = "$share/";

    private Topics() {}

    /**
     * @return true when {@code name} may be published to: non-empty, at most 65535 UTF-8 bytes,
     *     well-formed UTF-16 (no lone surrogate), no {@code +}, {@code #} or U+0000
     */
    public static boolean isValidTopicName(String name) {
        if (name == null || !isValidString(name)) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '+' || c == '#') {
                return false;
            }
        }
        return true;
    }

    /**
     * @return true when {@code filter} is a valid subscription filter: as a topic name, except
     *     that {@code +} may stand as a whole level and {@code #} as a whole last level. A
     *     {@code $share/...} filter is checked as an ordinary filter here; {@link #parseShared}
     *     checks it as a shared subscription
     */
    public static boolean isValidFilter(String filter) {
        if (filter == null || !isValidString(filter)) {
            return false;
        }
        int n = filter.length();
        for (int i = 0; i < n; i++) {
            char c = filter.charAt(i);
            if (c == '+' || c == '#') {
                boolean startsLevel = i == 0 || filter.charAt(i - 1) == '/';
                boolean endsLevel = i == n - 1 || filter.charAt(i + 1) == '/';
                if (!startsLevel || !endsLevel || (c == '#' && i != n - 1)) {
                    return false;
                }
            }
        }
        return true;
    }

    /** @return true for a share name: one non-empty level without {@code +}, {@code #} or U+0000 (MQTT 5 §4.8.2) */
    public static boolean isValidShareName(String group) {
        if (group == null || group.isEmpty()) {
            return false;
        }
        for (int i = 0; i < group.length(); i++) {
            char c = group.charAt(i);
            if (c == '+' || c == '#' || c == '/' || c == '\u0000') {
                return false;
            }
        }
        return true;
    }

    /**
     * Parses a shared subscription filter {@code $share/<group>/<filter>}.
     *
     * @return null when the filter does not start with {@code $share/}, otherwise its parts
     * @throws IllegalArgumentException when it starts with {@code $share/} but is malformed:
     *     missing filter part, empty share name, share name containing {@code +}, {@code #} or
     *     U+0000, or an invalid inner filter; the message names the filter
     */
    public static SharedFilter parseShared(String filter) {
        if (filter == null || !filter.startsWith(SHARE_PREFIX)) {
            return null;
        }
        int groupEnd = filter.indexOf('/', SHARE_PREFIX.length());
        String group = filter.substring(SHARE_PREFIX.length(), groupEnd < 0 ? filter.length() : groupEnd);
        if (group.isEmpty()) {
            throw new IllegalArgumentException("shared subscription has an empty share name: " + filter);
        }
        if (!isValidShareName(group)) {
            throw new IllegalArgumentException("share name must not contain '+', '#' or U+0000: " + filter);
        }
        if (groupEnd < 0 || groupEnd == filter.length() - 1) {
            throw new IllegalArgumentException("shared subscription has no topic filter: " + filter);
        }
        String inner = filter.substring(groupEnd + 1);
        if (!isValidFilter(inner)) {
            throw new IllegalArgumentException("shared subscription has an invalid topic filter: " + filter);
        }
        return new SharedFilter(group, inner);
    }

    /** @return the number of levels: "a" = 1, "a/b" = 2, "/" = 2, "a//b" = 3 */
    public static int depth(String topicOrFilter) {
        int levels = 1;
        for (int i = 0; i < topicOrFilter.length(); i++) {
            if (topicOrFilter.charAt(i) == '/') {
                levels++;
            }
        }
        return levels;
    }

    /** @return the levels, empty ones kept: "/a/" gives ["", "a", ""]; a new array each call */
    public static String[] levels(String topicOrFilter) {
        // sized first: called for every routed PUBLISH, so no growing list and copy
        int n = 1;
        for (int i = topicOrFilter.indexOf('/'); i >= 0; i = topicOrFilter.indexOf('/', i + 1)) {
            n++;
        }
        String[] out = new String[n];
        int start = 0;
        for (int i = 0; i < n; i++) {
            int end = levelEnd(topicOrFilter, start);
            out[i] = end == start ? "" : topicOrFilter.substring(start, end);
            start = end + 1;
        }
        return out;
    }

    /**
     * @return true when topic name {@code topic} matches {@code filter} (both valid). {@code +}
     *     is exactly one level, possibly empty; {@code #} the parent level and everything below
     *     it; a filter starting with a wildcard does not match a topic starting with {@code $}
     */
    public static boolean matches(String filter, String topic) {
        if (!topic.isEmpty() && topic.charAt(0) == '$' && !filter.isEmpty()) {
            char first = filter.charAt(0);
            if (first == '+' || first == '#') {
                return false;
            }
        }
        int f = 0; // start of the current filter level
        int t = 0; // start of the current topic level, or -1 once the topic is used up
        while (true) {
            int fEnd = levelEnd(filter, f);
            if (fEnd - f == 1 && filter.charAt(f) == '#') {
                return true; // matches the parent level and everything below it
            }
            if (t < 0) {
                return false;
            }
            int tEnd = levelEnd(topic, t);
            boolean plus = fEnd - f == 1 && filter.charAt(f) == '+';
            if (!plus && (fEnd - f != tEnd - t || !filter.regionMatches(f, topic, t, fEnd - f))) {
                return false;
            }
            boolean filterDone = fEnd == filter.length();
            t = tEnd == topic.length() ? -1 : tEnd + 1;
            if (filterDone) {
                return t < 0;
            }
            f = fEnd + 1;
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
        int slash = s.indexOf('/', from);
        return slash < 0 ? s.length() : slash;
    }

    /** Non-empty, no U+0000, well-formed UTF-16 and at most {@link #MAX_BYTES} in UTF-8. */
    private static boolean isValidString(String s) {
        int n = s.length();
        if (n == 0 || n > MAX_BYTES) {
            return false;
        }
        int bytes = 0;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c == '\u0000') {
                return false;
            } else if (c < 0x80) {
                bytes += 1;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c)) {
                if (i + 1 >= n || !Character.isLowSurrogate(s.charAt(i + 1))) {
                    return false;
                }
                i++;
                bytes += 4;
            } else if (Character.isLowSurrogate(c)) {
                return false;
            } else {
                bytes += 3;
            }
        }
        return bytes <= MAX_BYTES;
    }
}
