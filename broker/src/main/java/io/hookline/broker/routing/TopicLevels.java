package io.hookline.broker.routing;

import io.hookline.api.mqtt.Topics;

/**
 * The levels of a topic name for matching, remembered per thread for the last topics seen: a
 * broker routes the same topics over and over, and splitting each routed PUBLISH's topic anew (a
 * string per level and the array) was a sixth of the broker's garbage in p2p QoS 1 at 20,000 msg/s
 * (issue 17). A small direct-mapped table per thread: a topic takes the slot of its hash, a
 * different topic with the same slot replaces it; long topics are not kept (the table holds at most
 * {@link #SLOTS} x {@link #MAX_CHARS} characters per thread). The arrays handed out are shared:
 * callers only read them. Confined to its thread.
 */
final class TopicLevels {
    static final int SLOTS = 64;
    static final int MAX_CHARS = 256;
    private static final ThreadLocal<TopicLevels> MINE = ThreadLocal.withInitial(TopicLevels::new);

    private final String[] topics = new String[SLOTS];
    private final String[][] levels = new String[SLOTS][];

    private TopicLevels() {}

    /** @return the levels of {@code topic} as {@link Topics#levels(String)} gives them; do not modify */
    static String[] of(String topic) {
        if (topic.length() > MAX_CHARS) {
            return Topics.levels(topic);
        }
        return MINE.get().lookup(topic);
    }

    private String[] lookup(String topic) {
        int h = topic.hashCode();
        int slot = (h ^ (h >>> 16)) & (SLOTS - 1);
        String known = topics[slot];
        if (known != null && (known == topic || known.equals(topic))) {
            return levels[slot];
        }
        String[] split = Topics.levels(topic);
        levels[slot] = split;
        topics[slot] = topic;
        return split;
    }
}
