package io.hookline.plugin.acl;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The users of a mosquitto_passwd or vmq-passwd file ({@code user:$6$...} or
 * {@code user:$7$...} per line; {@code #} comments and blank lines ignored). Immutable.
 */
final class PasswordFile {
    static final PasswordFile EMPTY = new PasswordFile(Map.of());

    /** The outcome of a credential check. */
    enum Check {
        UNKNOWN_USER,
        MATCH,
        MISMATCH
    }

    private final Map<String, PasswordHash> users;

    private PasswordFile(Map<String, PasswordHash> users) {
        this.users = users;
    }

    static PasswordFile parse(Path file, List<String> lines) throws FileFormatException {
        Map<String, PasswordHash> users = new HashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new FileFormatException(file, i + 1, "expected user:hash");
            }
            String user = line.substring(0, colon);
            try {
                if (users.put(user, PasswordHash.parse(line.substring(colon + 1))) != null) {
                    throw new FileFormatException(file, i + 1, "user '" + user + "' appears twice");
                }
            } catch (IllegalArgumentException e) {
                throw new FileFormatException(file, i + 1, "user '" + user + "': " + e.getMessage());
            }
        }
        return new PasswordFile(Map.copyOf(users));
    }

    Check check(String user, byte[] password) {
        PasswordHash h = users.get(user);
        if (h == null) {
            return Check.UNKNOWN_USER;
        }
        return password != null && h.matches(password) ? Check.MATCH : Check.MISMATCH;
    }

    int size() {
        return users.size();
    }
}
