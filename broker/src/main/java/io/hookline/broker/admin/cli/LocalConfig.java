package io.hookline.broker.admin.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code bin/admin} takes from the local {@code broker.conf}: the URL of
 * {@code listener.http.default} and the key in {@code data_dir/admin.key}. Environment
 * overrides ({@code HOOKLINE_DATA_DIR}, {@code HOOKLINE_LISTENER__HTTP__DEFAULT}) count as for
 * the broker. A relative data_dir is looked up from the current directory, then from the
 * installation. Immutable.
 */
record LocalConfig(String url, String adminKey) {
    static final String DEFAULT_URL = "http://127.0.0.1:8888";

    static LocalConfig read(Path file, Map<String, String> env, Path home) {
        Map<String, String> values = new LinkedHashMap<>();
        try {
            if (Files.isRegularFile(file)) {
                for (String line : Files.readAllLines(file)) {
                    String s = line.strip();
                    int hash = s.indexOf(" #");
                    if (hash >= 0) {
                        s = s.substring(0, hash).strip();
                    }
                    int eq = s.indexOf('=');
                    if (!s.startsWith("#") && eq > 0) {
                        values.put(
                                s.substring(0, eq).strip(), s.substring(eq + 1).strip());
                    }
                }
            }
        } catch (IOException e) {
            // no readable config: defaults, and the key must come from --api-key or the environment
            values.clear();
        }
        String dataDir = env.getOrDefault("HOOKLINE_DATA_DIR", values.getOrDefault("data_dir", "data"));
        String http = env.getOrDefault("HOOKLINE_LISTENER__HTTP__DEFAULT", values.get("listener.http.default"));
        return new LocalConfig(url(http), key(dataDir, home));
    }

    private static String url(String hostPort) {
        if (hostPort == null || hostPort.isBlank()) {
            return DEFAULT_URL;
        }
        int colon = hostPort.lastIndexOf(':');
        if (colon < 0) {
            return DEFAULT_URL;
        }
        String host = hostPort.substring(0, colon);
        if (host.equals("0.0.0.0") || host.isEmpty()) {
            host = "127.0.0.1";
        } else if (host.equals("[::]")) {
            host = "[::1]";
        }
        return "http://" + host + ":" + hostPort.substring(colon + 1);
    }

    private static String key(String dataDir, Path home) {
        Path dir = Path.of(dataDir);
        for (Path candidate : dir.isAbsolute() ? List.of(dir) : List.of(dir, home.resolve(dir))) {
            Path file = candidate.resolve("admin.key");
            try {
                if (Files.isReadable(file)) {
                    return Files.readString(file).strip();
                }
            } catch (IOException e) {
                // unreadable: try the next place; the broker will answer 401 if none works
                continue;
            }
        }
        return null;
    }
}
