package io.hookline.broker.routing;

import java.util.ArrayList;

/**
 * Validation and matching of MQTT topic names and topic filters (MQTT 3.1.1 §4.7, MQTT 5 §4.7/4.8).
 * Stateless; every method is iterative so topics with tens of thousands of levels cannot overflow
 * the stack.
 */
public final class Topics {
  /** Maximum length of a UTF-8 encoded MQTT string. */
  public static final int MAX_BYTES = 65_535;

  static final String SHARE_PREFIX = "$share/";

  private Topics() {}

  /** Non-empty, at most 65535 UTF-8 bytes, well-formed UTF-16 (no lone surrogates), no '+', '#' or U+0000. */
  public static boolean isValidTopicName(String topic) {
    if (topic == null || !isValidString(topic)) {
      return false;
    }
    for (int i = 0; i < topic.length(); i++) {
      char c = topic.charAt(i);
      if (c == '+' || c == '#') {
        return false;
      }
    }
    return true;
  }

  /**
   * Non-empty, at most 65535 UTF-8 bytes, '#' only as a whole last level, '+' only as a whole
   * level, no U+0000. A "$share/..." filter is checked as an ordinary filter here; use {@link
   * #parseShared} to validate it as a shared subscription.
   */
  public static boolean isValidTopicFilter(String filter) {
    if (filter == null || !isValidString(filter)) {
      return false;
    }
    int n = filter.length();
    for (int i = 0; i < n; i++) {
      char c = filter.charAt(i);
      if (c == '+' || c == '#') {
        boolean startsLevel = i == 0 || filter.charAt(i - 1) == '/';
        boolean endsLevel = i == n - 1 || filter.charAt(i + 1) == '/';
        if (!startsLevel || !endsLevel) {
          return false;
        }
        if (c == '#' && i != n - 1) {
          return false;
        }
      }
    }
    return true;
  }

  /**
   * Whether the broker owns the topic, so no client may publish to it whatever the ACL says:
   * {@code $SYS} and everything below it (the broker's own counters). Mountpointed topics never
   * are: {@code tenant/$SYS/x} belongs to the tenant.
   */
  public static boolean isReserved(String topic) {
    return topic.startsWith("$SYS") && (topic.length() == 4 || topic.charAt(4) == '/');
  }

  /**
   * What a subscription to {@code filter} costs the router and its session, in approximate bytes,
   * when no other subscription shares its trie nodes: the filter text (held twice) and per level a
   * trie node with its child map, entry and level string (~200 bytes). A 32,001-level filter of
   * 64 KB costs ~6.5 MB: this, not its size on the wire, is what max_subscription_memory bounds.
   */
  public static long subscriptionCost(String filter) {
    return 160 + 2L * filter.length() + 200L * depth(filter);
  }

  /** Number of levels: "a" = 1, "a/b" = 2, "/" = 2, "a//b" = 3. */
  public static int depth(String topicOrFilter) {
    int levels = 1;
    for (int i = 0; i < topicOrFilter.length(); i++) {
      if (topicOrFilter.charAt(i) == '/') {
        levels++;
      }
    }
    return levels;
  }

  /**
   * Parses a shared subscription filter {@code $share/<group>/<filter>}.
   *
   * @return null when the filter does not start with "$share/", otherwise its parts
   * @throws IllegalArgumentException when it starts with "$share/" but is malformed: missing filter
   *     part, empty group, group containing '+', '#' or U+0000, or an invalid inner filter
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
      throw new IllegalArgumentException(
          "share name must not contain '+', '#' or U+0000: " + filter);
    }
    if (groupEnd < 0 || groupEnd == filter.length() - 1) {
      throw new IllegalArgumentException("shared subscription has no topic filter: " + filter);
    }
    String inner = filter.substring(groupEnd + 1);
    if (!isValidTopicFilter(inner)) {
      throw new IllegalArgumentException("shared subscription has an invalid topic filter: " + filter);
    }
    return new SharedFilter(group, inner);
  }

  /** A share name is one non-empty level without wildcards (MQTT 5 §4.8.2). */
  static boolean isValidShareName(String group) {
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
   * Reference matcher: does the (valid) filter match the (valid) topic name? Honours '+', '#', and
   * that a filter whose first level is a wildcard does not match a topic starting with '$'.
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

  /** Splits into levels, keeping empty ones: "/a/" gives ["", "a", ""]. */
  static String[] levels(String topicOrFilter) {
    ArrayList<String> out = new ArrayList<>();
    int start = 0;
    while (true) {
      int end = levelEnd(topicOrFilter, start);
      out.add(end == start ? "" : topicOrFilter.substring(start, end));
      if (end == topicOrFilter.length()) {
        return out.toArray(new String[0]);
      }
      start = end + 1;
    }
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
