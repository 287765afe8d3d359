package io.hookline.plugin.acl;

import java.nio.file.Path;

/**
 * A password, ACL or peer rule file has a line that cannot be understood. The message names
 * the file and the line, so the operator can fix it; the plugin keeps its last good rules.
 */
public final class FileFormatException extends Exception {
    private final Path file;
    private final int line;

    public FileFormatException(Path file, int line, String problem) {
        super(file + ":" + line + ": " + problem);
        this.file = file;
        this.line = line;
    }

    public Path file() {
        return file;
    }

    /** @return the 1-based line number */
    public int line() {
        return line;
    }
}
