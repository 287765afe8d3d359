package io.hookline.api.mqtt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TopicsTest {
    @ParameterizedTest
    @CsvSource({
        "a/b, a/b, true", "a/b, a/c, false", "a/+, a/b, true", "a/+, a/b/c, false", "a/#, a, true",
        "a/#, a/b/c, true", "#, a/b, true", "+/+, /x, true", "+, $SYS, false", "#, $SYS/x, false",
        "$SYS/#, $SYS/x, true", "a/+/c, a//c, true", "a/b, a/b/c, false", "a/b/c, a/b, false",
        "a/+/#, a/b, true", "ab, a, false", "a, ab, false"})
    void matchesFollowsTheSpec(String filter, String topic, boolean expected) {
        assertEquals(expected, Topics.matches(filter, topic), filter + " vs " + topic);
    }

    @ParameterizedTest
    @CsvSource({
        "a/#, a/+/c, true", "a/#, a/#, true", "a/+, a/#, false", "a/+, a/b, true", "a/+, a/+, true",
        "a/b, a/+, false", "#, $SYS/#, false", "+/x, a/x, true", "a/b/#, a/b, true", "a/+/c, a/b, false"})
    void coversMeansEveryMatchOfTheFilterIsAllowed(String pattern, String filter, boolean expected) {
        assertEquals(expected, Topics.covers(pattern, filter), pattern + " covers " + filter);
    }

    @Test
    void validNamesAndFilters() {
        assertTrue(Topics.isValidTopicName("a/b"));
        assertFalse(Topics.isValidTopicName("a/+"));
        assertFalse(Topics.isValidTopicName(""));
        assertTrue(Topics.isValidFilter("a/+/#"));
        assertFalse(Topics.isValidFilter("a/#/b"));
        assertFalse(Topics.isValidFilter("a+/b"));
        assertFalse(Topics.isValidFilter("a/b#"));
    }

    @Test
    void substitutionRefusesValuesThatWouldWidenThePattern() {
        assertEquals("c/cl/u/al/m", Topics.substitute("c/%c/u/%u/%m", "cl", "al", "m"));
        assertNull(Topics.substitute("c/%c/#", "+", "al", ""));
        assertNull(Topics.substitute("u/%u/#", "c", null, ""));
        assertNull(Topics.substitute("u/%u/#", "c", "a/b", ""));
        assertEquals("plain/#", Topics.substitute("plain/#", null, null, null));
    }
}
