package io.hookline.broker.admin;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The management API keys, kept in {@code data_dir/api_keys} as SHA-256 hashes (never the keys
 * themselves; never logged) with their scopes. On first start with no key one is made with
 * every scope and written to {@code data_dir/admin.key} (mode 0600) for {@code bin/admin}.
 * Thread-safe: guarded by {@code this}.
 */
public final class ApiKeys {
    private static final Logger LOG = LoggerFactory.getLogger(ApiKeys.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    /** Shown in {@code api-key show}: enough to tell keys apart, too little to use. */
    private static final int SHOWN_PREFIX = 6;

    /** What a key may reach. */
    public enum Scope {
        MGMT,
        METRICS,
        STATUS,
        HEALTH,
        PUBLISH;

        public String word() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** @throws IllegalArgumentException naming the known scopes */
        public static Scope of(String word) {
            for (Scope s : values()) {
                if (s.word().equals(word.strip())) {
                    return s;
                }
            }
            throw new IllegalArgumentException(
                    "unknown scope '" + word + "' (known: mgmt, metrics, status, health, publish)");
        }
    }

    /**
     * One stored key: its hash, the first characters, scopes, when made, and the client id it
     * publishes as ({@code POST /api/v1/publish}: auth_on_publish and the ACL see this client,
     * with the same user name).
     */
    public record Entry(String hash, String prefix, Set<Scope> scopes, String created, String clientId) {}

    /** The client id a key publishes as when none was given: {@code api-} and its shown prefix. */
    public static String defaultClientId(String prefix) {
        return "api-" + prefix;
    }

    private final Path file;
    private final Map<String, Entry> byHash = new LinkedHashMap<>(); // guarded by this

    private ApiKeys(Path file) {
        this.file = file;
    }

    /**
     * Reads the keys under {@code dataDir}; with none, makes the first one and writes it to
     * {@code dataDir/admin.key}.
     */
    public static ApiKeys open(Path dataDir) throws IOException {
        Files.createDirectories(dataDir);
        ApiKeys keys = new ApiKeys(dataDir.resolve("api_keys"));
        keys.load();
        synchronized (keys) {
            if (keys.byHash.isEmpty()) {
                String key = keys.create(EnumSet.allOf(Scope.class));
                Path adminKey = dataDir.resolve("admin.key");
                writePrivate(adminKey, List.of(key));
                LOG.info("no API key existed: made one with every scope in {}", adminKey);
            }
        }
        return keys;
    }

    private synchronized void load() throws IOException {
        if (!Files.exists(file)) {
            return;
        }
        int n = 0;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            n++;
            String s = line.strip();
            if (s.isEmpty() || s.startsWith("#")) {
                continue;
            }
            String[] parts = s.split("\\s+");
            if (parts.length != 4 && parts.length != 5) {
                throw new IOException(file + ":" + n + ": expected 'hash prefix scopes created [client_id]'");
            }
            Set<Scope> scopes = EnumSet.noneOf(Scope.class);
            for (String w : parts[2].split(",")) {
                try {
                    scopes.add(Scope.of(w));
                } catch (IllegalArgumentException e) {
                    throw new IOException(file + ":" + n + ": " + e.getMessage(), e);
                }
            }
            byHash.put(
                    parts[0],
                    new Entry(
                            parts[0],
                            parts[1],
                            scopes,
                            parts[3],
                            parts.length == 5 ? parts[4] : defaultClientId(parts[1])));
        }
    }

    /** @return a new key with {@code scopes}, stored before it is returned */
    public synchronized String create(Set<Scope> scopes) throws IOException {
        return create(scopes, null);
    }

    /**
     * @param clientId the client id the key publishes as; null for {@link #defaultClientId}
     * @return a new key with {@code scopes}, stored before it is returned
     * @throws IllegalArgumentException when {@code clientId} is empty or holds white space
     */
    public synchronized String create(Set<Scope> scopes, String clientId) throws IOException {
        if (clientId != null && (clientId.isEmpty() || !clientId.equals(clientId.replaceAll("[\\s+#]", "")))) {
            throw new IllegalArgumentException("a client id without white space, '+' or '#' is needed");
        }
        byte[] raw = new byte[24];
        RANDOM.nextBytes(raw);
        String key = HexFormat.of().formatHex(raw);
        String prefix = key.substring(0, SHOWN_PREFIX);
        Entry e = new Entry(
                hash(key),
                prefix,
                EnumSet.copyOf(scopes),
                Instant.now().toString(),
                clientId == null ? defaultClientId(prefix) : clientId);
        byHash.put(e.hash(), e);
        try {
            save();
        } catch (IOException ex) {
            byHash.remove(e.hash());
            throw ex;
        }
        return key;
    }

    /** @return true when the key existed */
    public synchronized boolean delete(String key) throws IOException {
        Entry e = byHash.remove(hash(key));
        if (e == null) {
            return false;
        }
        try {
            save();
        } catch (IOException ex) {
            byHash.put(e.hash(), e);
            throw ex;
        }
        return true;
    }

    /**
     * Revokes the key that {@code keyOrPrefix} is, or the one key whose shown prefix starts with
     * it ({@code api-key show} prints {@code 3fa9c1...}; the dots may be given too).
     *
     * @return the revoked entry, empty when no key matches
     * @throws IllegalArgumentException when a prefix is shorter than 4 characters or matches
     *         several keys (naming how many)
     */
    public synchronized Optional<Entry> deleteByKeyOrPrefix(String keyOrPrefix) throws IOException {
        String given = keyOrPrefix.strip();
        if (given.endsWith("...")) {
            given = given.substring(0, given.length() - 3);
        }
        Entry exact = byHash.get(hash(given));
        if (exact == null) {
            if (given.length() > SHOWN_PREFIX) {
                return Optional.empty();
            }
            if (given.length() < 4) {
                throw new IllegalArgumentException("'" + given + "' is too short: give the key or at least 4"
                        + " characters of the prefix api-key show prints");
            }
            List<Entry> matching = new ArrayList<>();
            for (Entry e : byHash.values()) {
                if (e.prefix().startsWith(given)) {
                    matching.add(e);
                }
            }
            if (matching.size() > 1) {
                throw new IllegalArgumentException("prefix '" + given + "' matches " + matching.size()
                        + " keys: give more characters or the whole key");
            }
            if (matching.isEmpty()) {
                return Optional.empty();
            }
            exact = matching.get(0);
        }
        byHash.remove(exact.hash());
        try {
            save();
        } catch (IOException ex) {
            byHash.put(exact.hash(), exact);
            throw ex;
        }
        return Optional.of(exact);
    }

    /** @return the scopes of {@code key}, empty when it is not a key */
    public synchronized Optional<Set<Scope>> scopes(String key) {
        return entry(key).map(Entry::scopes);
    }

    /** @return the stored entry of {@code key}, empty when it is not a key */
    public synchronized Optional<Entry> entry(String key) {
        if (key == null || key.isEmpty()) {
            return Optional.empty();
        }
        return Optional.ofNullable(byHash.get(hash(key)));
    }

    public synchronized List<Entry> list() {
        return new ArrayList<>(byHash.values());
    }

    private void save() throws IOException {
        List<String> lines = new ArrayList<>();
        lines.add(
                "# hookline API keys: sha256 of the key, its first characters, scopes, created, client id it publishes as");
        for (Entry e : byHash.values()) {
            TreeSet<String> words = new TreeSet<>();
            e.scopes().forEach(s -> words.add(s.word()));
            lines.add(e.hash() + " " + e.prefix() + " " + String.join(",", words) + " " + e.created() + " "
                    + e.clientId());
        }
        writePrivate(file, lines);
    }

    /** Replaces {@code target} atomically with a file only the owner can read. */
    static void writePrivate(Path target, List<String> lines) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Path tmp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp");
        try {
            try {
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException e) {
                LOG.debug("no POSIX permissions on {}", dir);
            }
            Files.write(tmp, lines, StandardCharsets.UTF_8);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    static String hash(String key) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
