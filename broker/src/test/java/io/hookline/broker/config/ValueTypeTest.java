package io.hookline.broker.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ValueTypeTest {

    private static void assertRejected(ValueType<?> type, String text, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> type.parse(text));
        assertEquals(message, e.getMessage());
    }

    @ParameterizedTest
    @CsvSource({"on,true", "off,false", "true,true", "false,false", "ON,true", "False,false"})
    void booleanAcceptsOnOffTrueFalseInAnyCase(String text, boolean expected) {
        assertEquals(expected, ValueType.bool().parse(text));
    }

    @Test
    void booleanRejectsOtherWords() {
        assertRejected(ValueType.bool(), "yes", "'yes' is not a boolean (use on, off, true or false)");
        assertRejected(ValueType.bool(), "1", "'1' is not a boolean (use on, off, true or false)");
    }

    @Test
    void booleanFormatsAsOnOff() {
        assertEquals("on", ValueType.bool().format(true));
        assertEquals("off", ValueType.bool().format(false));
    }

    @ParameterizedTest
    @CsvSource({"0,0", "65535,65535", "+7,7", "00020,20"})
    void integerAcceptsWholeNumbersInRange(String text, int expected) {
        assertEquals(expected, ValueType.integer(0, 65535).parse(text));
    }

    @Test
    void integerRejectsNonNumbers() {
        ValueType<Integer> type = ValueType.integer(0, 65535);
        assertRejected(type, "abc", "'abc' is not a whole number");
        assertRejected(type, "1.5", "'1.5' is not a whole number");
        assertRejected(type, "1e3", "'1e3' is not a whole number");
        assertRejected(type, "20 messages", "'20 messages' is not a whole number");
    }

    @Test
    void integerOutOfRangeNamesTheRange() {
        assertRejected(ValueType.integer(0, 65535), "65536", "'65536' must be between 0 and 65535");
        assertRejected(ValueType.integer(0, 65535), "-1", "'-1' must be between 0 and 65535");
        assertRejected(ValueType.integer(-1, Integer.MAX_VALUE), "-2", "'-2' must be at least -1");
        assertRejected(
                ValueType.integer(-1, Integer.MAX_VALUE),
                "99999999999",
                "'99999999999' must be between -1 and 2147483647");
        assertRejected(ValueType.integer(Integer.MIN_VALUE, 5), "6", "'6' must be at most 5");
    }

    @Test
    void integerAtTheEdgesOfInt() {
        ValueType<Integer> any = ValueType.integer(Integer.MIN_VALUE, Integer.MAX_VALUE);
        assertEquals(Integer.MAX_VALUE, any.parse("2147483647"));
        assertEquals(Integer.MIN_VALUE, any.parse("-2147483648"));
        assertRejected(any, "2147483648", "'2147483648' must be at most 2147483647");
        assertRejected(any, "-2147483649", "'-2147483649' must be at least -2147483648");
    }

    @Test
    void longAcceptsBeyondInt() {
        ValueType<Long> type = ValueType.longInteger(0, Long.MAX_VALUE);
        assertEquals(5_000_000_000L, type.parse("5000000000"));
        assertRejected(type, "-1", "'-1' must be at least 0");
        assertRejected(type, "x", "'x' is not a whole number");
        assertRejected(type, "9223372036854775808", "'9223372036854775808' must be between 0 and 9223372036854775807");
    }

    @ParameterizedTest
    @CsvSource({
        "0,0",
        "1024,1024",
        "64KB,65536",
        "64kb,65536",
        "64 KB,65536",
        "1MB,1048576",
        "1GB,1073741824",
        "100B,100",
        "2047MB,2146435072"
    })
    void bytesAcceptsNumbersWithUnits(String text, int expected) {
        assertEquals(expected, ValueType.bytes().parse(text));
    }

    @Test
    void bytesRejectsBadSizes() {
        String hint = " is not a size in bytes (e.g. 0, 1024, 64KB, 1MB)";
        assertRejected(ValueType.bytes(), "12XB", "'12XB'" + hint);
        assertRejected(ValueType.bytes(), "-1", "'-1'" + hint);
        assertRejected(ValueType.bytes(), "1.5MB", "'1.5MB'" + hint);
        assertRejected(ValueType.bytes(), "KB", "'KB'" + hint);
    }

    @Test
    void bytesAreCappedAtIntRange() {
        assertRejected(ValueType.bytes(), "2GB", "'2GB' must be at most 2147483647 bytes");
        assertRejected(ValueType.bytes(), "2147483648", "'2147483648' must be at most 2147483647 bytes");
        assertEquals(Integer.MAX_VALUE, ValueType.bytes().parse("2147483647"));
        assertRejected(ValueType.bytes(1, 1024), "0", "'0' must be between 1 and 1024 bytes");
    }

    @ParameterizedTest
    @CsvSource({"0,0", "65536,64KB", "1048576,1MB", "1073741824,1GB", "1000,1000", "1536,1536"})
    void bytesFormatWithTheLargestExactUnit(int value, String text) {
        assertEquals(text, ValueType.bytes().format(value));
    }

    @ParameterizedTest
    @CsvSource({
        "30,30000",
        "0,0",
        "500ms,500",
        "30s,30000",
        "5m,300000",
        "1h,3600000",
        "1d,86400000",
        "1w,604800000",
        "10S,10000",
        "2 h,7200000"
    })
    void durationAcceptsSecondsOrUnits(String text, long millis) {
        assertEquals(Duration.ofMillis(millis), ValueType.duration().parse(text));
    }

    @Test
    void durationRejectsBadText() {
        String hint = " is not a duration (seconds, or a number with ms, s, m, h, d or w, e.g. 500ms, 30s, 5m)";
        assertRejected(ValueType.duration(), "5x", "'5x'" + hint);
        assertRejected(ValueType.duration(), "-1s", "'-1s'" + hint);
        assertRejected(ValueType.duration(), "1.5h", "'1.5h'" + hint);
        assertRejected(ValueType.duration(), "1h30m", "'1h30m'" + hint);
        assertRejected(ValueType.duration(), "never", "'never'" + hint);
        assertRejected(ValueType.duration(), "99999999999999999999w", "'99999999999999999999w' is too long");
    }

    @Test
    void durationMinimumIsEnforced() {
        assertRejected(ValueType.duration(Duration.ofMillis(1)), "0", "'0' must be at least 1ms");
        assertEquals(
                Duration.ofMillis(1), ValueType.duration(Duration.ofMillis(1)).parse("1ms"));
    }

    @ParameterizedTest
    @CsvSource({
        "0,0s",
        "500,500ms",
        "30000,30s",
        "90000,90s",
        "300000,5m",
        "3600000,1h",
        "86400000,1d",
        "1209600000,2w",
        "1001,1001ms"
    })
    void durationFormatsWithTheLargestExactUnit(long millis, String text) {
        assertEquals(text, ValueType.duration().format(Duration.ofMillis(millis)));
    }

    @Test
    void durationOrNever() {
        ValueType<Optional<Duration>> type = ValueType.durationOrNever();
        assertEquals(Optional.empty(), type.parse("never"));
        assertEquals(Optional.empty(), type.parse("Never"));
        assertEquals(Optional.of(Duration.ofDays(1)), type.parse("1d"));
        assertEquals(Optional.of(Duration.ofSeconds(60)), type.parse("60"));
        assertEquals("never", type.format(Optional.empty()));
        assertEquals("1w", type.format(Optional.of(Duration.ofDays(7))));
        assertRejected(type, "forever", "'forever' is not a duration or 'never' (e.g. never, 30s, 1h, 1d, 1w)");
        assertRejected(type, "99999999999999999999w", "'99999999999999999999w' is too long");
    }

    @Test
    void enumAcceptsLowerCaseConstantNamesAndListsThemOnError() {
        ValueType<SharedSubscriptionPolicy> type = ValueType.enumOf(SharedSubscriptionPolicy.class);
        assertEquals(SharedSubscriptionPolicy.ROUND_ROBIN, type.parse("round_robin"));
        assertEquals(SharedSubscriptionPolicy.RANDOM, type.parse("RANDOM"));
        assertEquals("round_robin", type.format(SharedSubscriptionPolicy.ROUND_ROBIN));
        assertEquals("random|round_robin|prefer_local|local_only", type.describe());
        assertRejected(type, "fifo", "'fifo' is not one of random, round_robin, prefer_local, local_only");
    }

    @Test
    void oneOfAcceptsListedWords() {
        ValueType<String> type = ValueType.oneOf("deny", "next", "allow");
        assertEquals("next", type.parse("NEXT"));
        assertRejected(type, "maybe", "'maybe' is not one of deny, next, allow");
    }

    @Test
    void stringTakesAnythingIncludingNothing() {
        assertEquals("a # b = c", ValueType.string().parse("a # b = c"));
        assertEquals("", ValueType.string().parse(""));
    }

    @Test
    void pathIsKeptAsWritten() {
        assertEquals(Path.of("data"), ValueType.path().parse("data"));
        assertEquals(Path.of("/var/lib/hookline"), ValueType.path().parse("/var/lib/hookline"));
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class, () -> ValueType.path().parse("bad\0path"));
        assertEquals("'bad\0path' is not a valid path: Nul character not allowed", e.getMessage());
    }

    @Test
    void hostPortParsesAndFormats() {
        assertEquals(new HostPort("::1", 1883), ValueType.hostPort().parse("[::1]:1883"));
        assertEquals("[::1]:1883", ValueType.hostPort().format(new HostPort("::1", 1883)));
    }

    @Test
    void descriptionsForDocumentation() {
        assertEquals("whole number 0..65535", ValueType.integer(0, 65535).describe());
        assertEquals(
                "whole number >= -1", ValueType.integer(-1, Integer.MAX_VALUE).describe());
        assertEquals("bytes (KB, MB, GB)", ValueType.bytes().describe());
        assertEquals("duration", ValueType.duration().describe());
        assertEquals("duration >= 1ms", ValueType.duration(Duration.ofMillis(1)).describe());
        assertEquals("duration or never", ValueType.durationOrNever().describe());
        assertEquals("on|off", ValueType.bool().describe());
        assertEquals("host:port", ValueType.hostPort().describe());
    }
}
