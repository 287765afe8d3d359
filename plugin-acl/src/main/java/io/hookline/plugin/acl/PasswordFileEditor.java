package io.hookline.plugin.acl;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Adds, changes and deletes users of a password file offline (no broker needed), the way
 * {@code mosquitto_passwd} does; new and changed entries are written as {@code $7$}
 * (PBKDF2-SHA512). Other lines and comments are kept. The file is replaced atomically, so a
 * running broker reloads either the old or the new file, never half of one.
 *
 * <pre>{@code
 * PasswordFileEditor.set(Path.of("conf/passwd"), "alice", "s3cret");
 * PasswordFileEditor.delete(Path.of("conf/passwd"), "bob");
 * }</pre>
 *
 * Not thread-safe across processes: do not run two edits of the same file at once.
 */
public final class PasswordFileEditor {
    private PasswordFileEditor() {}

    /**
     * Adds {@code user} or changes its password; creates the file when missing.
     *
     * @throws IllegalArgumentException for a user name containing {@code :} or a line break, or empty
     */
    public static void set(Path file, String user, String password) throws IOException {
        set(file, user, password, PasswordHash.DEFAULT_ITERATIONS);
    }

    /** As {@link #set(Path, String, String)} with a chosen PBKDF2 iteration count. */
    public static void set(Path file, String user, String password, int iterations) throws IOException {
        checkUser(user);
        Objects.requireNonNull(password, "password");
        String entry = user + ":"
                + PasswordHash.create(PasswordHash.utf8(password), iterations).encode();
        List<String> out = new ArrayList<>();
        boolean replaced = false;
        for (String line : read(file)) {
            if (userOf(line).equals(user)) {
                if (!replaced) {
                    out.add(entry);
                    replaced = true;
                }
            } else {
                out.add(line);
            }
        }
        if (!replaced) {
            out.add(entry);
        }
        write(file, out);
    }

    /** @return true when the user existed and was removed */
    public static boolean delete(Path file, String user) throws IOException {
        checkUser(user);
        List<String> lines = read(file);
        List<String> out = new ArrayList<>(lines.size());
        for (String line : lines) {
            if (!userOf(line).equals(user)) {
                out.add(line);
            }
        }
        if (out.size() == lines.size()) {
            return false;
        }
        write(file, out);
        return true;
    }

    /** @return the user names in file order */
    public static List<String> users(Path file) throws IOException {
        List<String> out = new ArrayList<>();
        for (String line : read(file)) {
            String u = userOf(line);
            if (!u.isEmpty()) {
                out.add(u);
            }
        }
        return out;
    }

    private static String userOf(String line) {
        String s = line.strip();
        int colon = s.indexOf(':');
        return s.startsWith("#") || colon <= 0 ? "" : s.substring(0, colon);
    }

    private static void checkUser(String user) {
        if (user == null
                || user.isEmpty()
                || user.indexOf(':') >= 0
                || user.indexOf('\n') >= 0
                || user.indexOf('\r') >= 0
                || user.startsWith("#")
                || !user.equals(user.strip())) {
            throw new IllegalArgumentException("invalid user name: '" + user + "'");
        }
    }

    private static List<String> read(Path file) throws IOException {
        return Files.exists(file) ? Files.readAllLines(file, StandardCharsets.UTF_8) : List.of();
    }

    private static void write(Path file, List<String> lines) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
        try {
            Files.write(tmp, lines, StandardCharsets.UTF_8);
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
