package io.hookline.broker.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigFileTest {

    private static final Path FILE = Path.of("conf/broker.conf");

    private static List<ConfigFile.Entry> entries(String text) {
        return ConfigFile.parse(FILE, text).entries();
    }

    @Test
    void readsKeyValueLinesWithLineNumbers() {
        assertEquals(
                List.of(new ConfigFile.Entry("a", "1", 1), new ConfigFile.Entry("b.c", "x y", 3)),
                entries("a = 1\n\nb.c=x y\n"));
    }

    @Test
    void skipsWholeLineCommentsAndBlankLines() {
        assertEquals(List.of(new ConfigFile.Entry("a", "1", 4)), entries("# header\n   # indented comment\n\t\na = 1"));
    }

    @Test
    void dropsTrailingCommentAfterWhitespace() {
        assertEquals(
                List.of(new ConfigFile.Entry("a", "1", 1), new ConfigFile.Entry("b", "on", 2)),
                entries("a = 1   # one\nb = on\t# tab before"));
    }

    @Test
    void keepsHashInsideAValue() {
        assertEquals(List.of(new ConfigFile.Entry("url", "http://h/p#frag", 1)), entries("url = http://h/p#frag"));
    }

    @Test
    void onlyTheFirstEqualsSignSeparates() {
        assertEquals(List.of(new ConfigFile.Entry("k", "a=b", 1)), entries("k = a=b"));
    }

    @Test
    void valueMadeOnlyOfACommentIsEmpty() {
        assertEquals(List.of(new ConfigFile.Entry("k", "", 1)), entries("k = # nothing"));
        assertEquals(List.of(new ConfigFile.Entry("k", "", 1)), entries("k ="));
    }

    @Test
    void handlesCrLfAndByteOrderMark() {
        assertEquals(
                List.of(new ConfigFile.Entry("a", "1", 1), new ConfigFile.Entry("b", "2", 2)),
                entries("\uFEFFa = 1\r\nb = 2\r\n"));
    }

    @Test
    void keepsDuplicatesForTheValidatorToReport() {
        assertEquals(2, entries("a = 1\na = 2").size());
    }

    @Test
    void linesThatAreNotEntriesBecomeProblems() {
        ConfigFile file = ConfigFile.parse(FILE, "a = 1\nallow_anonymous on\n= 5\n");
        assertEquals(List.of(new ConfigFile.Entry("a", "1", 1)), file.entries());
        assertEquals(
                List.of(
                        "conf/broker.conf:2: expected 'key = value' but found 'allow_anonymous on'",
                        "conf/broker.conf:3: missing key before '='"),
                file.syntaxProblems());
    }

    @Test
    void readsAFile(@TempDir Path dir) throws Exception {
        Path path = dir.resolve("b.conf");
        Files.writeString(path, "max_qos = 1\n");
        ConfigFile file = ConfigFile.read(path);
        assertEquals(path, file.path());
        assertEquals(List.of(new ConfigFile.Entry("max_qos", "1", 1)), file.entries());
    }

    @Test
    void missingFileIsAConfigException(@TempDir Path dir) {
        Path path = dir.resolve("nope.conf");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigFile.read(path));
        assertEquals(path + ": file not found", e.getMessage());
    }

    @Test
    void nonUtf8FileIsAConfigException(@TempDir Path dir) throws Exception {
        Path path = dir.resolve("latin1.conf");
        Files.write(path, "a = caf\u00e9".getBytes(StandardCharsets.ISO_8859_1));
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigFile.read(path));
        assertEquals(path + ": not a UTF-8 text file", e.getMessage());
    }
}
