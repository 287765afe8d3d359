package io.hookline.broker.routing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.hookline.api.mqtt.Topics;
import org.junit.jupiter.api.Test;

/** The per-thread table of split topics the trie matches with. */
class TopicLevelsTest {

    @Test
    void aTopicSeenAgainReusesItsLevels() {
        String[] first = TopicLevels.of("sensors/kitchen/temp");
        String[] again = TopicLevels.of(new String("sensors/kitchen/temp")); // equal, not the same string
        assertSame(first, again);
        assertArrayEquals(new String[] {"sensors", "kitchen", "temp"}, again);
    }

    @Test
    void topicsSharingASlotEachGetTheirOwnLevels() {
        // many more topics than slots: every one collides with others, in turn and interleaved
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < TopicLevels.SLOTS * 8; i++) {
                String topic = "t/" + i + "/" + (i % 7 == 0 ? "" : "x") + "/";
                assertArrayEquals(Topics.levels(topic), TopicLevels.of(topic), topic);
            }
        }
        assertArrayEquals(new String[] {"", "a", ""}, TopicLevels.of("/a/"));
        assertArrayEquals(new String[] {"$SYS", "x"}, TopicLevels.of("$SYS/x"));
    }

    @Test
    void longTopicsAreSplitEachTimeNotKept() {
        String topic = "a/".repeat(TopicLevels.MAX_CHARS) + "end";
        String[] first = TopicLevels.of(topic);
        assertArrayEquals(Topics.levels(topic), first);
        assertNotSame(first, TopicLevels.of(topic));
    }
}
