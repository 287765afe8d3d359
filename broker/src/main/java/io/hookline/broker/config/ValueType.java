package io.hookline.broker.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * How the text of a config value becomes a typed value, and back. Instances are immutable.
 *
 * <p>Example: {@code ValueType.integer(0, 65535).parse("20")} is {@code 20};
 * {@code parse("abc")} throws {@code IllegalArgumentException("'abc' is not a whole number")}.
 */
public interface ValueType<T> {

    /**
     * The value written as {@code text} (already trimmed).
     *
     * @throws IllegalArgumentException whose message says what is wrong, quoting the text, e.g.
     *     {@code 'abc' is not a whole number}; the caller adds the file, line and key
     */
    T parse(String text);

    /** The text that {@link #parse} reads back as {@code value}, e.g. {@code 10s}, {@code on}. */
    String format(T value);

    /** What values look like, for documentation and {@code config show}, e.g. {@code 0..65535}. */
    String describe();

    /** Whether an empty value ({@code key =}) is a value of this type rather than a missing one. */
    default boolean acceptsEmpty() {
        return false;
    }

    /** {@code on}, {@code off}, {@code true}, {@code false} (any case). */
    static ValueType<Boolean> bool() {
        return ValueTypes.BOOL;
    }

    /** A whole number in {@code min..max}. */
    static ValueType<Integer> integer(int min, int max) {
        return new ValueTypes.IntegerType(min, max);
    }

    /** The value of {@code auto} in {@link #integerOrAuto}: the broker works the number out. */
    int AUTO = -1;

    /** {@code auto} ({@link #AUTO}) or a whole number in {@code min..max} ({@code min} above -1). */
    static ValueType<Integer> integerOrAuto(int min, int max) {
        return new ValueTypes.IntegerOrAutoType(min, max);
    }

    /** A whole number in {@code min..max}. */
    static ValueType<Long> longInteger(long min, long max) {
        return new ValueTypes.LongType(min, max);
    }

    /** A whole number of bytes, optionally with a unit: {@code 0}, {@code 1024}, {@code 64KB}, {@code 1MB}, {@code 1GB} (units are powers of 1024). */
    static ValueType<Integer> bytes(int min, int max) {
        return new ValueTypes.BytesType(min, max);
    }

    /** {@link #bytes(int, int)} from 0 to {@link Integer#MAX_VALUE}. */
    static ValueType<Integer> bytes() {
        return bytes(0, Integer.MAX_VALUE);
    }

    /** A plain number of seconds, or a whole number with a unit: {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h}, {@code 1d}, {@code 1w}. */
    static ValueType<Duration> duration() {
        return duration(Duration.ZERO);
    }

    /** {@link #duration()} of at least {@code min}. */
    static ValueType<Duration> duration(Duration min) {
        return new ValueTypes.DurationType(min);
    }

    /** {@code never} (empty) or a {@link #duration()}. */
    static ValueType<Optional<Duration>> durationOrNever() {
        return ValueTypes.DURATION_OR_NEVER;
    }

    /** One of the constants of {@code type}, written in lower case ({@code ROUND_ROBIN} is {@code round_robin}). */
    static <E extends Enum<E>> ValueType<E> enumOf(Class<E> type) {
        return new ValueTypes.EnumType<>(type);
    }

    /** One of the given words (any case; the value is the word as listed). */
    static ValueType<String> oneOf(String... allowed) {
        return new ValueTypes.OneOfType(allowed);
    }

    /** Any text, including none. */
    static ValueType<String> string() {
        return ValueTypes.STRING;
    }

    /** A file system path, as written (relative paths are relative to the working directory). */
    static ValueType<Path> path() {
        return ValueTypes.PATH;
    }

    /**
     * Values of {@code element} separated by commas, e.g. {@code 3,4,5} or
     * {@code TLSv1.2, TLSv1.3}; an empty value is the empty list.
     */
    static <E> ValueType<List<E>> list(ValueType<E> element) {
        return new ValueTypes.ListType<>(element);
    }

    /** {@link HostPort#parse host:port}. */
    static ValueType<HostPort> hostPort() {
        return ValueTypes.HOST_PORT;
    }
}
