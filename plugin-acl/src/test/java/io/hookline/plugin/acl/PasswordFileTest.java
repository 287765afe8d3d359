package io.hookline.plugin.acl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PasswordFileTest {
    /** Salt 0x01..0x0c; hashes computed independently (Python hashlib), not by this code. */
    private static final String VMQ_LINE =
            "vmq:$6$AQIDBAUGBwgJCgsM$mN+6aJ+sXCOXmcqMw4q1lKMgFp/P4sR7B2S35dH8EgHZ/X39OLNoVTAyw6oKI/FYXixpmgaK8JuE8NxS5q2Q6A==";

    private static final String UNICODE_LINE =
            "uni:$7$1000$AQIDBAUGBwgJCgsM$PD/sEe2rT2wMi6ZDq8AMw37jmaWSdIjWc60I1P7tMFmrDcNpaADWPLi0hQOzCFXgzIsrlp6/wUIqcJcfuOVLJA==";
    private static final String EMPTY_PASSWORD_LINE =
            "empty:$7$101$AQIDBAUGBwgJCgsM$0nQUMj2QLzi3F9cnqUT9eQnLQacCIBA5kHUW/0QTjLk8eRHXrjwR4cbTg8AtMrLMTaEnp1lDDc5PP8FM5XBSsA==";

    @TempDir
    Path dir;

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private PasswordFile load(Path file) throws Exception {
        return PasswordFile.parse(file, Files.readAllLines(file));
    }

    @Test
    void fileGeneratedByMosquittoPasswdVerifiesBothFormats() throws Exception {
        Path bin = Path.of("/usr/bin/mosquitto_passwd");
        assumeTrue(
                Files.isExecutable(bin) || onPath("mosquitto_passwd"),
                "mosquitto_passwd is not installed (Debian package 'mosquitto'); skipping the interoperability test");
        Path file = dir.resolve("passwd");
        run("mosquitto_passwd", "-c", "-b", file.toString(), "alice", "wonderland"); // $7$ (default)
        run("mosquitto_passwd", "-H", "sha512", "-b", file.toString(), "bob", "builder"); // $6$ (1.x format)
        List<String> lines = Files.readAllLines(file);
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("alice:$7$")), lines.toString());
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("bob:$6$")), lines.toString());

        PasswordFile pw = load(file);
        assertEquals(PasswordFile.Check.MATCH, pw.check("alice", utf8("wonderland")));
        assertEquals(PasswordFile.Check.MISMATCH, pw.check("alice", utf8("Wonderland")));
        assertEquals(PasswordFile.Check.MATCH, pw.check("bob", utf8("builder")));
        assertEquals(PasswordFile.Check.MISMATCH, pw.check("bob", null));
        assertEquals(PasswordFile.Check.UNKNOWN_USER, pw.check("carol", utf8("x")));
    }

    @Test
    void vmqPasswdAndNonAsciiAndEmptyPasswordsVerify() throws Exception {
        Path file = dir.resolve("vmq.passwd");
        Files.writeString(
                file, "# vmq-passwd\n" + VMQ_LINE + "\n\n" + UNICODE_LINE + "\n" + EMPTY_PASSWORD_LINE + "\n");
        PasswordFile pw = load(file);
        assertEquals(3, pw.size());
        assertEquals(PasswordFile.Check.MATCH, pw.check("vmq", utf8("vmqpass")));
        assertEquals(PasswordFile.Check.MISMATCH, pw.check("vmq", utf8("vmqpas")));
        assertEquals(PasswordFile.Check.MATCH, pw.check("uni", utf8("pässwörd")));
        assertEquals(PasswordFile.Check.MATCH, pw.check("empty", new byte[0]));
    }

    @Test
    void brokenLineIsReportedWithItsNumber() throws Exception {
        Path file = dir.resolve("passwd");
        Files.writeString(file, VMQ_LINE + "\n# fine\nmallory:$1$md5$isnotsupported\n");
        var e = assertThrows(FileFormatException.class, () -> load(file));
        assertEquals(3, e.line());
        assertTrue(e.getMessage().contains("mallory"), e.getMessage());
    }

    @Test
    void editorAddsChangesAndDeletesUsersKeepingOtherLines() throws Exception {
        Path file = dir.resolve("conf/passwd");
        PasswordFileEditor.set(file, "alice", "one");
        Files.writeString(file, Files.readString(file) + "# keep me\n" + VMQ_LINE + "\n");
        PasswordFileEditor.set(file, "alice", "two");
        PasswordFileEditor.set(file, "dave", "three", 2000);

        List<String> lines = Files.readAllLines(file);
        assertTrue(lines.get(0).startsWith("alice:$7$101$"), lines.toString());
        assertTrue(lines.contains("# keep me"));
        assertTrue(lines.contains(VMQ_LINE));
        assertTrue(lines.get(3).startsWith("dave:$7$2000$"), lines.toString());
        assertEquals(List.of("alice", "vmq", "dave"), PasswordFileEditor.users(file));

        PasswordFile pw = load(file);
        assertEquals(PasswordFile.Check.MATCH, pw.check("alice", utf8("two")));
        assertEquals(PasswordFile.Check.MISMATCH, pw.check("alice", utf8("one")));
        assertEquals(PasswordFile.Check.MATCH, pw.check("dave", utf8("three")));

        assertTrue(PasswordFileEditor.delete(file, "alice"));
        assertFalse(PasswordFileEditor.delete(file, "alice"));
        assertEquals(PasswordFile.Check.UNKNOWN_USER, load(file).check("alice", utf8("two")));
        assertThrows(IllegalArgumentException.class, () -> PasswordFileEditor.set(file, "a:b", "x"));
    }

    private static boolean onPath(String exe) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String d : path.split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Path.of(d, exe))) {
                return true;
            }
        }
        return false;
    }

    private static void run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "mosquitto_passwd did not finish");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + ": " + out);
    }
}
