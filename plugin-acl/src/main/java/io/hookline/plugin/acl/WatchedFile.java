package io.hookline.plugin.acl;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * A rule file and its last good parse. {@link #reload(boolean)} re-reads the file and swaps
 * the parsed value in one volatile write when the content changed and parses; a broken file
 * is logged with its line and the last good value stays. A periodic check only applies
 * content that it read twice in a row, so a file being written in place (truncated, then
 * filled) is never taken half-written. Readers ({@link #current()}) never lock. Reloads are
 * serialized by {@code this}.
 */
final class WatchedFile<T> {
    /** Parses a whole file or names the line that is wrong. */
    @FunctionalInterface
    interface Parser<T> {
        T parse(Path file, List<String> lines) throws FileFormatException;
    }

    /** What a reload did. */
    enum Result {
        LOADED,
        UNCHANGED,
        SETTLING,
        FAILED,
        MISSING
    }

    private final Path path;
    private final Parser<T> parser;
    private final System.Logger log;
    private volatile T current;
    private byte[] lastContent; // guarded by this
    private byte[] settling; // guarded by this: changed content seen once, applied when seen again
    private boolean reportedMissing; // guarded by this
    private volatile String problem; // why the file as it is now is not in force; null when it is

    WatchedFile(Path path, Parser<T> parser, T empty, System.Logger log) {
        this.path = path;
        this.parser = parser;
        this.current = empty;
        this.log = log;
    }

    T current() {
        return current;
    }

    Path path() {
        return path;
    }

    /**
     * @return why the file as it is on disk now is not in force (it does not parse, cannot be
     *     read, or is missing), or null when its content is what is in force
     */
    String problem() {
        return problem;
    }

    /** @param force apply a change at once (start, {@code admin acl reload}) instead of waiting for it to settle */
    synchronized Result reload(boolean force) {
        byte[] content;
        try {
            content = Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            problem = path.toAbsolutePath() + " does not exist";
            if (!reportedMissing) {
                log.log(
                        Level.WARNING,
                        "{0} does not exist; {1}",
                        path,
                        lastContent == null ? "no entries until it appears" : "keeping the last rules read");
                reportedMissing = true;
            }
            return Result.MISSING;
        } catch (IOException e) {
            log.log(Level.ERROR, "cannot read " + path.toAbsolutePath() + "; keeping the last good rules", e);
            problem = "cannot read " + path.toAbsolutePath() + ": " + e.getMessage();
            return Result.FAILED;
        }
        reportedMissing = false;
        if (problem != null && problem.endsWith(" does not exist")) {
            problem = null;
        }
        if (Arrays.equals(content, lastContent)) {
            settling = null;
            return Result.UNCHANGED;
        }
        if (!force && !Arrays.equals(content, settling)) {
            settling = content;
            return Result.SETTLING;
        }
        settling = null;
        lastContent = content; // a broken file is reported once, not at every interval
        List<String> lines = new String(content, StandardCharsets.UTF_8).lines().toList();
        try {
            current = parser.parse(path, lines);
            problem = null;
            log.log(Level.INFO, "loaded {0}", path.toAbsolutePath());
            return Result.LOADED;
        } catch (FileFormatException e) {
            problem = e.getMessage();
            log.log(Level.ERROR, "{0}; keeping the last good rules", e.getMessage());
            return Result.FAILED;
        }
    }
}
