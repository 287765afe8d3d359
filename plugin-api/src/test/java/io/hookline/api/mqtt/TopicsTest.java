package io.hookline.api.mqtt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The topic rules the broker and every plugin share: one library, pinned here. */
class TopicsTest {
    private static final String MAX_ASCII = "a".repeat(Topics.MAX_BYTES);

    // ---- topic names

    @ParameterizedTest
    @ValueSource(
            strings = {
                "a",
                "/",
                "//",
                "a/b",
                "/a",
                "a/",
                "a//b",
                "$SYS/broker",
                "$share/g/a",
                " ",
                "a b/c",
                "ünïcödé/主题",
                "emoji/\uD83D\uDE00",
                "$"
            })
    void validTopicNamesAreAccepted(String topic) {
        assertTrue(Topics.isValidTopicName(topic), topic);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "+",
                "#",
                "a/+",
                "a/#",
                "a+b",
                "a#",
                "+/a",
                "a/\u0000",
                "\u0000",
                "lone/\uD83D",
                "lone/\uDE00/x",
                "\uDE00\uD83D"
            })
    void invalidTopicNamesAreRejected(String topic) {
        assertFalse(Topics.isValidTopicName(topic), topic);
    }

    @Test
    void nullIsNeitherNameNorFilter() {
        assertFalse(Topics.isValidTopicName(null));
        assertFalse(Topics.isValidFilter(null));
        assertFalse(Topics.isValidShareName(null));
        assertNull(Topics.parseShared(null));
    }

    @Test
    void topicNameLengthIsCountedInUtf8Bytes() {
        assertTrue(Topics.isValidTopicName(MAX_ASCII));
        assertFalse(Topics.isValidTopicName(MAX_ASCII + "a"));
        // 'é' is 2 bytes, '主' 3, an emoji (a surrogate pair) 4
        assertTrue(Topics.isValidTopicName("é".repeat(Topics.MAX_BYTES / 2)));
        assertFalse(Topics.isValidTopicName("é".repeat(Topics.MAX_BYTES / 2) + "é"));
        assertTrue(Topics.isValidTopicName("主".repeat(Topics.MAX_BYTES / 3)));
        assertFalse(Topics.isValidTopicName("主".repeat(Topics.MAX_BYTES / 3) + "é"));
        assertTrue(Topics.isValidTopicName("\uD83D\uDE00".repeat(Topics.MAX_BYTES / 4)));
        assertTrue(Topics.isValidTopicName("\uD83D\uDE00".repeat(Topics.MAX_BYTES / 4) + "abc"));
        assertFalse(Topics.isValidTopicName("\uD83D\uDE00".repeat(Topics.MAX_BYTES / 4) + "abcd"));
    }

    @Test
    void aLoneSurrogateIsRejectedEvenWhereItWouldFitTheLength() {
        // the API copy used to count bytes with String.getBytes, which turns a lone surrogate
        // into '?' and let it through: names, filters and shared filters now all refuse it
        assertFalse(Topics.isValidTopicName("a/\uD800"));
        assertFalse(Topics.isValidTopicName("a/\uDFFF/b"));
        assertFalse(Topics.isValidFilter("a/\uD800/#"));
        assertFalse(Topics.isValidFilter("\uDC00/+"));
        assertThrows(IllegalArgumentException.class, () -> Topics.parseShared("$share/g/a\uD800"));
    }

    // ---- filters

    @ParameterizedTest
    @ValueSource(
            strings = {
                "a",
                "/",
                "a/b",
                "#",
                "+",
                "+/+",
                "/+",
                "+/",
                "a/#",
                "a/+/b",
                "+/#",
                "/#",
                "//#",
                "a//+",
                "$SYS/#",
                "$share/g/a",
                "$share",
                "$share/+/a",
                "sport/tennis/+/#",
                "+/+/+"
            })
    void validTopicFiltersAreAccepted(String filter) {
        assertTrue(Topics.isValidFilter(filter), filter);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "a#",
                "#a",
                "a/#/b",
                "#/",
                "#/a",
                "##",
                "a/b#",
                "a+",
                "+a",
                "a/+b",
                "a/b+/c",
                "++",
                "+#",
                "#+",
                "a/\u0000",
                "\u0000/#",
                "a/\uD83D"
            })
    void invalidTopicFiltersAreRejected(String filter) {
        assertFalse(Topics.isValidFilter(filter), filter);
    }

    @Test
    void topicFilterLengthIsCountedInUtf8Bytes() {
        assertTrue(Topics.isValidFilter(MAX_ASCII.substring(2) + "/#"));
        assertFalse(Topics.isValidFilter(MAX_ASCII + "/#"));
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {"a | 1", "a/b | 2", "/ | 2", "a//b | 3", "// | 3", "#|1", "a/+/# | 3"})
    void depthCountsLevelsIncludingEmptyOnes(String topic, int depth) {
        assertEquals(depth, Topics.depth(topic));
    }

    @Test
    void levelsKeepEmptyLevels() {
        assertEquals(List.of("", "a", ""), List.of(Topics.levels("/a/")));
        assertEquals(List.of("a"), List.of(Topics.levels("a")));
        assertEquals(List.of("", ""), List.of(Topics.levels("/")));
        assertEquals(List.of("a", "", "b"), List.of(Topics.levels("a//b")));
    }

    // ---- shared subscriptions

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "$share/g/a            | g      | a",
                "$share/g/a/b/#        | g      | a/b/#",
                "$share/group-1/+      | group-1| +",
                "$share/g/#            | g      | #",
                "$share/g//            | g      | /",
                "$share/g/$SYS/x       | g      | $SYS/x",
                "$share/$share/a       | $share | a",
                "$share/g/$share/h/a   | g      | $share/h/a"
            })
    void sharedFiltersAreSplitIntoGroupAndFilter(String filter, String group, String inner) {
        assertEquals(new SharedFilter(group, inner), Topics.parseShared(filter));
    }

    @ParameterizedTest
    @ValueSource(strings = {"a/b", "$share", "$sharex/g/a", "$SHARE/g/a", "share/g/a", "/$share/g/a", "#"})
    void nonSharedFiltersParseToNull(String filter) {
        assertNull(Topics.parseShared(filter));
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "$share/g      | no topic filter",
                "$share/g/     | no topic filter",
                "$share/       | empty share name",
                "$share//a     | empty share name",
                "$share/+/a    | must not contain",
                "$share/#/a    | must not contain",
                "$share/g+/a   | must not contain",
                "$share/g#     | must not contain",
                "$share/g/a#   | invalid topic filter",
                "$share/g/#/a  | invalid topic filter",
                "$share/g/a+/b | invalid topic filter"
            })
    void malformedSharedFiltersAreRejectedWithAClearMessage(String filter, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Topics.parseShared(filter));
        assertTrue(e.getMessage().contains(message), e.getMessage());
        assertTrue(e.getMessage().contains(filter), e.getMessage());
    }

    @Test
    void shareNamesAreOneLevelWithoutWildcardsOrNul() {
        assertTrue(Topics.isValidShareName("g"));
        assertTrue(Topics.isValidShareName("$share"));
        assertFalse(Topics.isValidShareName(""));
        assertFalse(Topics.isValidShareName("a/b"));
        assertFalse(Topics.isValidShareName("g+"));
        assertFalse(Topics.isValidShareName("#"));
        assertFalse(Topics.isValidShareName("g\u0000"));
        assertThrows(IllegalArgumentException.class, () -> Topics.parseShared("$share/g\u0000/a"));
    }

    // ---- matching

    @ParameterizedTest
    @CsvSource({
        "a/b, a/b, true", "a/b, a/c, false", "a/+, a/b, true", "a/+, a/b/c, false", "a/#, a, true",
        "a/#, a/b/c, true", "#, a/b, true", "+/+, /x, true", "a/+/c, a//c, true", "a/b, a/b/c, false",
        "a/b/c, a/b, false", "a/+/#, a/b, true", "ab, a, false", "a, ab, false", "A, a, false"
    })
    void matchesFollowsTheSpec(String filter, String topic, boolean expected) {
        assertEquals(expected, Topics.matches(filter, topic), filter + " vs " + topic);
    }

    @ParameterizedTest
    @CsvSource({
        "+, $SYS, false", "#, $SYS/x, false", "+/x, $SYS/x, false", "+/#, $SYS/x, false",
        "$SYS/#, $SYS/x, true", "$SYS/+, $SYS/x, true", "$SYS/#, $SYS, true", "#, $, false",
        "$, $, true", "a/#, a/$x, true", "a/+, a/$x, true", "+/$x, a/$x, true"
    })
    void wildcardsInTheFirstLevelDoNotMatchDollarTopics(String filter, String topic, boolean expected) {
        assertEquals(expected, Topics.matches(filter, topic), filter + " vs " + topic);
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "+     | /     | false", "+/+   | /     | true", "/+    | /     | true", "+/    | /     | true",
                "a/+   | a/    | true", "a/+   | a     | false", "a/#   | a/    | true", "#     | /     | true",
                "//    | //    | true", "/     | //    | false", "a//b  | a/b   | false", "a/+/b | a//b  | true",
                "/#    | /     | true", "/#    | a     | false"
            })
    void emptyLevelsAreLevels(String filter, String topic, boolean expected) {
        assertEquals(expected, Topics.matches(filter.strip(), topic.strip()), filter + " vs " + topic);
    }

    @Test
    void aSharedFilterIsMatchedByItsInnerFilter() {
        SharedFilter shared = Topics.parseShared("$share/g/sensors/+/temp");
        assertTrue(Topics.matches(shared.filter(), "sensors/kitchen/temp"));
        assertFalse(Topics.matches(shared.filter(), "sensors/kitchen/humidity"));
        // as a plain filter "$share/..." only matches topics that really start with "$share/"
        assertFalse(Topics.matches("$share/g/sensors/+/temp", "sensors/kitchen/temp"));
    }

    @Test
    void deepTopicsAreHandledWithoutRecursion() {
        String topic = "/".repeat(19_999); // 20,000 empty levels
        assertTrue(Topics.matches("#", topic));
        assertTrue(Topics.matches(topic, topic));
        assertTrue(Topics.matches("+/".repeat(19_999) + "+", topic));
        assertFalse(Topics.matches("+/".repeat(19_999) + "+/+", topic));
        assertFalse(Topics.matches("+/".repeat(19_998) + "+", topic));
        assertTrue(Topics.matches("+/".repeat(19_998) + "#", topic));
        assertEquals(20_000, Topics.depth(topic));
        assertTrue(Topics.isValidFilter("+/".repeat(19_999) + "#"));
    }

    // ---- ACL patterns

    @ParameterizedTest
    @CsvSource({
        "a/#, a/+/c, true", "a/#, a/#, true", "a/+, a/#, false", "a/+, a/b, true", "a/+, a/+, true",
        "a/b, a/+, false", "#, $SYS/#, false", "+/x, a/x, true", "a/b/#, a/b, true", "a/+/c, a/b, false"
    })
    void coversMeansEveryMatchOfTheFilterIsAllowed(String pattern, String filter, boolean expected) {
        assertEquals(expected, Topics.covers(pattern, filter), pattern + " covers " + filter);
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
