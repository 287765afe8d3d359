package io.hookline.broker.config;

import java.math.BigInteger;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The implementations behind {@link ValueType}'s factories; all immutable. */
final class ValueTypes {

    private ValueTypes() {}

    private static final Pattern WHOLE_NUMBER = Pattern.compile("[+-]?[0-9]+");
    private static final Pattern BYTES = Pattern.compile("([0-9]+)\\s*(B|KB|MB|GB)?", Pattern.CASE_INSENSITIVE);
    private static final Pattern DURATION = Pattern.compile("([0-9]+)\\s*(ms|s|m|h|d|w)?", Pattern.CASE_INSENSITIVE);

    static final ValueType<Boolean> BOOL = new ValueType<>() {
        @Override
        public Boolean parse(String text) {
            switch (text.toLowerCase(Locale.ROOT)) {
                case "on":
                case "true":
                    return true;
                case "off":
                case "false":
                    return false;
                default:
                    throw new IllegalArgumentException(quote(text) + " is not a boolean (use on, off, true or false)");
            }
        }

        @Override
        public String format(Boolean value) {
            return value ? "on" : "off";
        }

        @Override
        public String describe() {
            return "on|off";
        }
    };

    static final ValueType<String> STRING = new ValueType<>() {
        @Override
        public String parse(String text) {
            return text;
        }

        @Override
        public String format(String value) {
            return value;
        }

        @Override
        public String describe() {
            return "text";
        }

        @Override
        public boolean acceptsEmpty() {
            return true;
        }
    };

    static final ValueType<Path> PATH = new ValueType<>() {
        @Override
        public Path parse(String text) {
            try {
                return Path.of(text);
            } catch (InvalidPathException e) {
                throw new IllegalArgumentException(quote(text) + " is not a valid path: " + e.getReason());
            }
        }

        @Override
        public String format(Path value) {
            return value.toString();
        }

        @Override
        public String describe() {
            return "path";
        }
    };

    static final ValueType<HostPort> HOST_PORT = new ValueType<>() {
        @Override
        public HostPort parse(String text) {
            return HostPort.parse(text);
        }

        @Override
        public String format(HostPort value) {
            return value.toString();
        }

        @Override
        public String describe() {
            return "host:port";
        }
    };

    /** {@code auto} (read as {@link ValueType#AUTO}) or a whole number in {@code min..max}. */
    static final class IntegerOrAutoType implements ValueType<Integer> {
        private final IntegerType number;

        IntegerOrAutoType(int min, int max) {
            if (min <= ValueType.AUTO) {
                throw new IllegalArgumentException("the range must be above " + ValueType.AUTO + ", the value of auto");
            }
            this.number = new IntegerType(min, max);
        }

        @Override
        public Integer parse(String text) {
            if (text.equalsIgnoreCase("auto")) {
                return ValueType.AUTO;
            }
            if (!WHOLE_NUMBER.matcher(text).matches()) {
                throw new IllegalArgumentException(quote(text) + " is not 'auto' or a whole number");
            }
            return number.parse(text);
        }

        @Override
        public String format(Integer value) {
            return value == ValueType.AUTO ? "auto" : number.format(value);
        }

        @Override
        public String describe() {
            return "auto or " + number.describe();
        }
    }

    static final ValueType<Optional<Duration>> DURATION_OR_NEVER = new ValueType<>() {
        private final DurationType duration = new DurationType(Duration.ZERO);

        @Override
        public Optional<Duration> parse(String text) {
            if (text.equalsIgnoreCase("never")) {
                return Optional.empty();
            }
            if (!DURATION.matcher(text).matches()) {
                throw new IllegalArgumentException(
                        quote(text) + " is not a duration or 'never' (e.g. never, 30s, 1h, 1d, 1w)");
            }
            return Optional.of(duration.parse(text));
        }

        @Override
        public String format(Optional<Duration> value) {
            return value.map(duration::format).orElse("never");
        }

        @Override
        public String describe() {
            return "duration or never";
        }
    };

    static final class IntegerType implements ValueType<Integer> {
        private final int min;
        private final int max;

        IntegerType(int min, int max) {
            if (min > max) {
                throw new IllegalArgumentException("empty range " + min + ".." + max);
            }
            this.min = min;
            this.max = max;
        }

        @Override
        public Integer parse(String text) {
            return (int) parseWholeNumber(text, min, max, Integer.MIN_VALUE, Integer.MAX_VALUE);
        }

        @Override
        public String format(Integer value) {
            return value.toString();
        }

        @Override
        public String describe() {
            return ("whole number " + rangeText(min, max, Integer.MIN_VALUE, Integer.MAX_VALUE)).strip();
        }
    }

    static final class LongType implements ValueType<Long> {
        private final long min;
        private final long max;

        LongType(long min, long max) {
            if (min > max) {
                throw new IllegalArgumentException("empty range " + min + ".." + max);
            }
            this.min = min;
            this.max = max;
        }

        @Override
        public Long parse(String text) {
            return parseWholeNumber(text, min, max, Long.MIN_VALUE, Long.MAX_VALUE);
        }

        @Override
        public String format(Long value) {
            return value.toString();
        }

        @Override
        public String describe() {
            return ("whole number " + rangeText(min, max, Long.MIN_VALUE, Long.MAX_VALUE)).strip();
        }
    }

    static final class BytesType implements ValueType<Integer> {
        private final int min;
        private final int max;

        BytesType(int min, int max) {
            if (min < 0 || min > max) {
                throw new IllegalArgumentException("bad byte range " + min + ".." + max);
            }
            this.min = min;
            this.max = max;
        }

        @Override
        public Integer parse(String text) {
            Matcher m = BYTES.matcher(text);
            if (!m.matches()) {
                throw new IllegalArgumentException(quote(text) + " is not a size in bytes (e.g. 0, 1024, 64KB, 1MB)");
            }
            String unit = m.group(2) == null ? "B" : m.group(2).toUpperCase(Locale.ROOT);
            int shift = switch (unit) {
                case "KB" -> 10;
                case "MB" -> 20;
                case "GB" -> 30;
                default -> 0;
            };
            BigInteger bytes = new BigInteger(m.group(1)).shiftLeft(shift);
            return checkRange(text, bytes, min, max, 0, Integer.MAX_VALUE, " bytes")
                    .intValue();
        }

        @Override
        public String format(Integer value) {
            if (value != 0) {
                for (int shift = 30; shift > 0; shift -= 10) {
                    if (value % (1 << shift) == 0) {
                        return (value >> shift) + (shift == 30 ? "GB" : shift == 20 ? "MB" : "KB");
                    }
                }
            }
            return value.toString();
        }

        @Override
        public String describe() {
            String range = rangeText(min, max, 0, Integer.MAX_VALUE);
            return range.isEmpty() ? "bytes (KB, MB, GB)" : "bytes " + range + " (KB, MB, GB)";
        }
    }

    static final class DurationType implements ValueType<Duration> {
        private static final String[] UNITS = {"w", "d", "h", "m", "s", "ms"};
        private static final long[] UNIT_MILLIS = {604_800_000L, 86_400_000L, 3_600_000L, 60_000L, 1_000L, 1L};

        private final Duration min;

        DurationType(Duration min) {
            if (min.isNegative()) {
                throw new IllegalArgumentException("negative minimum " + min);
            }
            this.min = min;
        }

        @Override
        public Duration parse(String text) {
            Matcher m = DURATION.matcher(text);
            if (!m.matches()) {
                throw new IllegalArgumentException(quote(text)
                        + " is not a duration (seconds, or a number with ms, s, m, h, d or w, e.g. 500ms, 30s, 5m)");
            }
            String unit = m.group(2) == null ? "s" : m.group(2).toLowerCase(Locale.ROOT);
            long unitMillis = UNIT_MILLIS[List.of(UNITS).indexOf(unit)];
            BigInteger millis = new BigInteger(m.group(1)).multiply(BigInteger.valueOf(unitMillis));
            if (millis.bitLength() > 63) {
                throw new IllegalArgumentException(quote(text) + " is too long");
            }
            Duration value = Duration.ofMillis(millis.longValue());
            if (value.compareTo(min) < 0) {
                throw new IllegalArgumentException(quote(text) + " must be at least " + format(min));
            }
            return value;
        }

        @Override
        public String format(Duration value) {
            long millis = value.toMillis();
            if (millis == 0) {
                return "0s";
            }
            for (int i = 0; i < UNITS.length; i++) {
                if (millis % UNIT_MILLIS[i] == 0) {
                    return millis / UNIT_MILLIS[i] + UNITS[i];
                }
            }
            throw new AssertionError("1ms divides everything");
        }

        @Override
        public String describe() {
            return min.isZero() ? "duration" : "duration >= " + format(min);
        }
    }

    static final class EnumType<E extends Enum<E>> implements ValueType<E> {
        private final Class<E> type;

        EnumType(Class<E> type) {
            this.type = type;
        }

        @Override
        public E parse(String text) {
            for (E constant : type.getEnumConstants()) {
                if (format(constant).equalsIgnoreCase(text)) {
                    return constant;
                }
            }
            throw new IllegalArgumentException(
                    quote(text) + " is not one of " + describe().replace("|", ", "));
        }

        @Override
        public String format(E value) {
            return value.name().toLowerCase(Locale.ROOT);
        }

        @Override
        public String describe() {
            List<String> names = new ArrayList<>();
            for (E constant : type.getEnumConstants()) {
                names.add(format(constant));
            }
            return String.join("|", names);
        }
    }

    static final class OneOfType implements ValueType<String> {
        private final List<String> allowed;

        OneOfType(String... allowed) {
            if (allowed.length == 0) {
                throw new IllegalArgumentException("no allowed values");
            }
            this.allowed = List.of(allowed);
        }

        @Override
        public String parse(String text) {
            for (String word : allowed) {
                if (word.equalsIgnoreCase(text)) {
                    return word;
                }
            }
            throw new IllegalArgumentException(quote(text) + " is not one of " + String.join(", ", allowed));
        }

        @Override
        public String format(String value) {
            return value;
        }

        @Override
        public String describe() {
            return String.join("|", allowed);
        }
    }

    static final class ListType<E> implements ValueType<List<E>> {
        private final ValueType<E> element;

        ListType(ValueType<E> element) {
            this.element = element;
        }

        @Override
        public List<E> parse(String text) {
            List<E> values = new ArrayList<>();
            if (text.isBlank()) {
                return List.of();
            }
            for (String part : text.split(",", -1)) {
                String item = part.strip();
                if (item.isEmpty()) {
                    throw new IllegalArgumentException(
                            quote(text) + " has an empty item (separate items with one comma)");
                }
                values.add(element.parse(item));
            }
            return List.copyOf(values);
        }

        @Override
        public String format(List<E> value) {
            List<String> parts = new ArrayList<>();
            for (E e : value) {
                parts.add(element.format(e));
            }
            return String.join(",", parts);
        }

        @Override
        public String describe() {
            return "comma-separated " + element.describe();
        }

        @Override
        public boolean acceptsEmpty() {
            return true;
        }
    }

    static long parseWholeNumber(String text, long min, long max, long typeMin, long typeMax) {
        if (!WHOLE_NUMBER.matcher(text).matches()) {
            throw new IllegalArgumentException(quote(text) + " is not a whole number");
        }
        return checkRange(text, new BigInteger(text), min, max, typeMin, typeMax, "")
                .longValue();
    }

    static BigInteger checkRange(
            String text, BigInteger value, long min, long max, long typeMin, long typeMax, String unit) {
        boolean low = value.compareTo(BigInteger.valueOf(min)) < 0;
        boolean high = value.compareTo(BigInteger.valueOf(max)) > 0;
        if (!low && !high) {
            return value;
        }
        String expected;
        if (low && max == typeMax) {
            expected = "at least " + min;
        } else if (high && min == typeMin) {
            expected = "at most " + max;
        } else {
            expected = "between " + min + " and " + max;
        }
        throw new IllegalArgumentException(quote(text) + " must be " + expected + unit);
    }

    /** For documentation: "0..65535", ">= -1", "<= 5", leaving out the type's own limits. */
    static String rangeText(long min, long max, long typeMin, long typeMax) {
        if (max == typeMax) {
            return min == typeMin ? "" : ">= " + min;
        }
        return min == typeMin ? "<= " + max : min + ".." + max;
    }

    static String quote(String text) {
        return "'" + text + "'";
    }
}
