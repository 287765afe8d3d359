package io.hookline.broker.routing;

import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;

/** Hand-checked (filter, topic, matches) cases shared by the reference matcher and index tests. */
final class MatchCases {
    private MatchCases() {}

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("a", "a", true),
                Arguments.of("a", "b", false),
                Arguments.of("a", "a/b", false),
                Arguments.of("a/b", "a", false),
                Arguments.of("a/b", "a/b", true),
                Arguments.of("a/b", "a/bc", false),
                Arguments.of("a/bc", "a/b", false),
                Arguments.of("A", "a", false),
                // '#': the parent level and everything below it
                Arguments.of("#", "a", true),
                Arguments.of("#", "a/b/c", true),
                Arguments.of("#", "/", true),
                Arguments.of("#", "/a", true),
                Arguments.of("a/#", "a", true),
                Arguments.of("a/#", "a/b", true),
                Arguments.of("a/#", "a/b/c", true),
                Arguments.of("a/#", "a/", true),
                Arguments.of("a/#", "ab", false),
                Arguments.of("a/#", "b/a", false),
                Arguments.of("a/b/#", "a", false),
                Arguments.of("sport/tennis/player1/#", "sport/tennis/player1", true),
                Arguments.of("sport/tennis/player1/#", "sport/tennis/player1/ranking", true),
                Arguments.of("sport/tennis/player1/#", "sport/tennis/player1/score/wimbledon", true),
                // '+': exactly one level, possibly empty
                Arguments.of("+", "a", true),
                Arguments.of("+", "a/b", false),
                Arguments.of("+", "/", false),
                Arguments.of("+/+", "/", true),
                Arguments.of("+/b", "/b", true),
                Arguments.of("+/b", "a/b", true),
                Arguments.of("+/b", "a/c", false),
                Arguments.of("a/+", "a/", true),
                Arguments.of("a/+", "a", false),
                Arguments.of("a/+", "a/b/c", false),
                Arguments.of("a/+/c", "a/b/c", true),
                Arguments.of("a/+/c", "a//c", true),
                Arguments.of("a/+/c", "a/b/d", false),
                Arguments.of("+/#", "a", true),
                Arguments.of("+/#", "a/b", true),
                Arguments.of("+/+/#", "a", false),
                Arguments.of("/+", "/finance", true),
                Arguments.of("+", "/finance", false),
                Arguments.of("sport/+", "sport", false),
                Arguments.of("sport/+", "sport/", true),
                // empty levels are levels
                Arguments.of("/", "/", true),
                Arguments.of("a//b", "a//b", true),
                Arguments.of("a//b", "a/b", false),
                Arguments.of("a/", "a", false),
                // '$' topics: no match for a leading wildcard, exact and later wildcards are fine
                Arguments.of("#", "$SYS/x", false),
                Arguments.of("#", "$SYS", false),
                Arguments.of("+/x", "$SYS/x", false),
                Arguments.of("+/#", "$SYS/x", false),
                Arguments.of("+", "$SYS", false),
                Arguments.of("$SYS/#", "$SYS/x", true),
                Arguments.of("$SYS/#", "$SYS", true),
                Arguments.of("$SYS/+", "$SYS/x", true),
                Arguments.of("$SYS/x", "$SYS/x", true),
                Arguments.of("$SYS/+/y", "$SYS/x/y", true),
                Arguments.of("a/#", "a/$b", true),
                Arguments.of("a/+", "a/$b", true),
                Arguments.of("+/$b", "a/$b", true),
                Arguments.of("#", "a$", true),
                Arguments.of("$share/g/a", "$share/g/a", true));
    }
}
