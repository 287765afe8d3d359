package io.hookline.broker.config;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A config file split into raw {@code key = value} entries, before any key is looked up.
 *
 * <p>Syntax: one {@code key = value} per line; blank lines; {@code #} starts a comment when it
 * begins the line or follows whitespace ({@code value  # why}), so {@code a#b} stays a value.
 * There is no quoting and no line continuation. Lines that are not entries are kept as
 * problems rather than thrown, so that {@link Config} can report them with every other problem
 * of the file. Immutable.
 */
public final class ConfigFile {

    /** One {@code key = value} line, both sides trimmed, the comment removed. */
    public record Entry(String key, String value, int line) {}

    /** A line that could not be read as an entry. */
    record SyntaxError(int line, String message) {}

    private final Path path;
    private final List<Entry> entries;
    private final List<SyntaxError> errors;

    private ConfigFile(Path path, List<Entry> entries, List<SyntaxError> errors) {
        this.path = path;
        this.entries = List.copyOf(entries);
        this.errors = List.copyOf(errors);
    }

    /**
     * Reads a UTF-8 file.
     *
     * @throws ConfigException when the file cannot be read (not when a line is malformed)
     */
    public static ConfigFile read(Path path) throws ConfigException {
        try {
            return parse(path, Files.readString(path, StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
            throw new ConfigException(path + ": file not found");
        } catch (CharacterCodingException e) {
            throw new ConfigException(path + ": not a UTF-8 text file");
        } catch (IOException e) {
            throw new ConfigException(path + ": cannot read: " + e);
        }
    }

    /** Parses {@code text}; {@code path} only names the file in messages. */
    public static ConfigFile parse(Path path, String text) {
        List<Entry> entries = new ArrayList<>();
        List<SyntaxError> errors = new ArrayList<>();
        if (text.startsWith("\uFEFF")) {
            text = text.substring(1);
        }
        String[] lines = text.split("\\R", -1);
        for (int i = 0; i < lines.length; i++) {
            int number = i + 1;
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int equals = line.indexOf('=');
            if (equals < 0) {
                errors.add(new SyntaxError(number, "expected 'key = value' but found '" + line + "'"));
                continue;
            }
            String key = line.substring(0, equals).strip();
            if (key.isEmpty()) {
                errors.add(new SyntaxError(number, "missing key before '='"));
                continue;
            }
            entries.add(
                    new Entry(key, withoutComment(line.substring(equals + 1)).strip(), number));
        }
        return new ConfigFile(path, entries, errors);
    }

    /** The file, as given (messages use it as written: {@code conf/broker.conf:12: ...}). */
    public Path path() {
        return path;
    }

    /** The entries in file order, duplicates included. */
    public List<Entry> entries() {
        return entries;
    }

    /** Problems with lines that are not entries, as {@code file:line: message}. */
    public List<String> syntaxProblems() {
        List<String> problems = new ArrayList<>();
        for (SyntaxError error : errors) {
            problems.add(path + ":" + error.line() + ": " + error.message());
        }
        return problems;
    }

    List<SyntaxError> syntaxErrors() {
        return errors;
    }

    private static String withoutComment(String value) {
        for (int i = 0; i < value.length(); i++) {
            if (value.charAt(i) == '#' && (i == 0 || Character.isWhitespace(value.charAt(i - 1)))) {
                return value.substring(0, i);
            }
        }
        return value;
    }
}
