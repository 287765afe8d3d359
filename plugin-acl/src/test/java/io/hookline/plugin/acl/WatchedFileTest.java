package io.hookline.plugin.acl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.hookline.plugin.acl.WatchedFile.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WatchedFileTest {
    @TempDir
    Path dir;

    /** Parses "n" lines as their count; a line "bad" is an error on that line. */
    private static Integer parse(Path file, List<String> lines) throws FileFormatException {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).equals("bad")) {
                throw new FileFormatException(file, i + 1, "bad line");
            }
        }
        return lines.size();
    }

    @Test
    void periodicChecksApplyOnlySettledContentAndKeepTheLastGoodOnErrors() throws Exception {
        Path f = dir.resolve("rules");
        Files.writeString(f, "a\nb\n");
        var w = new WatchedFile<>(f, WatchedFileTest::parse, 0, System.getLogger("test"));
        assertEquals(Result.LOADED, w.reload(true));
        assertEquals(2, w.current());

        Files.writeString(f, ""); // an editor truncated the file ...
        assertEquals(Result.SETTLING, w.reload(false));
        Files.writeString(f, "a\nb\nc\n"); // ... and wrote it again
        assertEquals(Result.SETTLING, w.reload(false));
        assertEquals(2, w.current(), "the half-written (empty) file was never applied");
        assertEquals(Result.LOADED, w.reload(false));
        assertEquals(3, w.current());

        Files.writeString(f, "a\nbad\n");
        assertEquals(Result.SETTLING, w.reload(false));
        assertEquals(Result.FAILED, w.reload(false));
        assertEquals(Result.UNCHANGED, w.reload(false), "a broken file is reported once");
        assertEquals(3, w.current());

        Files.delete(f);
        assertEquals(Result.MISSING, w.reload(false));
        assertEquals(3, w.current());
    }
}
