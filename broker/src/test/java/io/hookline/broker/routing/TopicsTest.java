package io.hookline.broker.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hookline.api.mqtt.SharedFilter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class TopicsTest {
  private static final String MAX_ASCII = "a".repeat(Topics.MAX_BYTES);

  @ParameterizedTest
  @ValueSource(strings = {
      "a", "/", "//", "a/b", "/a", "a/", "a//b", "$SYS/broker", "$share/g/a", " ", "a b/c",
      "ünïcödé/主题", "emoji/\uD83D\uDE00", "$"})
  void validTopicNamesAreAccepted(String topic) {
    assertTrue(Topics.isValidTopicName(topic), topic);
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "", "+", "#", "a/+", "a/#", "a+b", "a#", "+/a", "a/\u0000", "\u0000",
      "lone/\uD83D", "lone/\uDE00/x", "\uDE00\uD83D"})
  void invalidTopicNamesAreRejected(String topic) {
    assertFalse(Topics.isValidTopicName(topic), topic);
  }

  @Test
  void nullIsNeitherNameNorFilter() {
    assertFalse(Topics.isValidTopicName(null));
    assertFalse(Topics.isValidTopicFilter(null));
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

  @ParameterizedTest
  @ValueSource(strings = {
      "a", "/", "a/b", "#", "+", "+/+", "/+", "+/", "a/#", "a/+/b", "+/#", "/#", "//#", "a//+",
      "$SYS/#", "$share/g/a", "$share", "$share/+/a", "sport/tennis/+/#", "+/+/+"})
  void validTopicFiltersAreAccepted(String filter) {
    assertTrue(Topics.isValidTopicFilter(filter), filter);
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "", "a#", "#a", "a/#/b", "#/", "#/a", "##", "a/b#", "a+", "+a", "a/+b", "a/b+/c", "++",
      "+#", "#+", "a/\u0000", "a/\uD83D"})
  void invalidTopicFiltersAreRejected(String filter) {
    assertFalse(Topics.isValidTopicFilter(filter), filter);
  }

  @Test
  void topicFilterLengthIsCountedInUtf8Bytes() {
    assertTrue(Topics.isValidTopicFilter(MAX_ASCII.substring(2) + "/#"));
    assertFalse(Topics.isValidTopicFilter(MAX_ASCII + "/#"));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "a | 1", "a/b | 2", "/ | 2", "a//b | 3", "// | 3", "#|1", "a/+/# | 3"})
  void depthCountsLevelsIncludingEmptyOnes(String topic, int depth) {
    assertEquals(depth, Topics.depth(topic));
  }

  @Test
  void levelsKeepEmptyLevels() {
    assertEquals(java.util.List.of("", "a", ""), java.util.List.of(Topics.levels("/a/")));
    assertEquals(java.util.List.of("a"), java.util.List.of(Topics.levels("a")));
    assertEquals(java.util.List.of("", ""), java.util.List.of(Topics.levels("/")));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "$share/g/a            | g      | a",
      "$share/g/a/b/#        | g      | a/b/#",
      "$share/group-1/+      | group-1| +",
      "$share/g/#            | g      | #",
      "$share/g//            | g      | /",
      "$share/g/$SYS/x       | g      | $SYS/x",
      "$share/$share/a       | $share | a",
      "$share/g/$share/h/a   | g      | $share/h/a"})
  void sharedFiltersAreSplitIntoGroupAndFilter(String filter, String group, String inner) {
    assertEquals(new SharedFilter(group, inner), Topics.parseShared(filter));
  }

  @ParameterizedTest
  @ValueSource(strings = {"a/b", "$share", "$sharex/g/a", "$SHARE/g/a", "share/g/a", "/$share/g/a", "#"})
  void nonSharedFiltersParseToNull(String filter) {
    assertNull(Topics.parseShared(filter));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
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
      "$share/g/a+/b | invalid topic filter"})
  void malformedSharedFiltersAreRejectedWithAClearMessage(String filter, String message) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Topics.parseShared(filter));
    assertTrue(e.getMessage().contains(message), e.getMessage());
    assertTrue(e.getMessage().contains(filter), e.getMessage());
  }

  @Test
  void shareNameWithNulIsRejected() {
    assertThrows(IllegalArgumentException.class, () -> Topics.parseShared("$share/g\u0000/a"));
  }

  @ParameterizedTest(name = "{0} ~ {1} = {2}")
  @MethodSource("io.hookline.broker.routing.MatchCases#cases")
  void referenceMatcherAgreesWithTheSpecification(String filter, String topic, boolean expected) {
    assertTrue(Topics.isValidTopicFilter(filter), filter);
    assertTrue(Topics.isValidTopicName(topic), topic);
    assertEquals(expected, Topics.matches(filter, topic));
  }

  @Test
  void referenceMatcherHandlesVeryDeepTopicsWithoutRecursion() {
    String topic = "/".repeat(19_999); // 20,000 empty levels
    assertTrue(Topics.matches("#", topic));
    assertTrue(Topics.matches(topic, topic));
    assertTrue(Topics.matches("+/".repeat(19_999) + "+", topic));
    assertFalse(Topics.matches("+/".repeat(19_999) + "+/+", topic));
    assertFalse(Topics.matches("+/".repeat(19_998) + "+", topic));
    assertTrue(Topics.matches("+/".repeat(19_998) + "#", topic));
    assertEquals(20_000, Topics.depth(topic));
    assertTrue(Topics.isValidTopicFilter("+/".repeat(19_999) + "#"));
  }
}
