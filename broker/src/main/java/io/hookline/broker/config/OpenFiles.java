package io.hookline.broker.config;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;

/**
 * The process's open-file limit and what of it MQTT connections may use. Every connection is a
 * file descriptor; when they run out, accept fails and the management listener (/health) stops
 * answering too. So the default {@code listener.max_connections} is the limit minus a reserve
 * for the management listener (http.max_connections), log files, jars, stores and the sockets a
 * plugin opens (webhooks, PostgreSQL). Immutable.
 *
 * @param limit           the soft RLIMIT_NOFILE as the JVM sees it; -1 when unknown (not a Unix JVM)
 * @param httpConnections what the management listeners may hold open (http.max_connections each)
 */
public record OpenFiles(long limit, long httpConnections) {

    /** Used when the limit cannot be read: the old fixed default. */
    static final int UNKNOWN_LIMIT_CONNECTIONS = 100_000;
    /** Connections over the limit accepted long enough to be refused with a CONNACK; beyond, closed at accept. */
    public static final int REFUSAL_SLACK = 64;

    /** The process's limit, and the management listeners of {@code config}. */
    public static OpenFiles of(Config config) {
        long http = (long) config.named(CoreConfig.LISTENER_HTTP).size() * config.get(CoreConfig.HTTP_MAX_CONNECTIONS);
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
            return new OpenFiles(unix.getMaxFileDescriptorCount(), http);
        }
        return new OpenFiles(-1, http);
    }

    /**
     * Descriptors kept for everything but MQTT connections: a tenth of the limit, at least 512, and
     * at least the management listeners' connections plus 256 (logs, jars, stores, plugin sockets)
     * as long as that leaves MQTT half of the limit (a small limit would otherwise leave it nothing).
     */
    public long reserve() {
        return Math.max(Math.max(512, limit / 10), Math.min(httpConnections + 256, limit / 2));
    }

    /** {@code listener.max_connections = auto}: the limit minus the reserve (at least 1). */
    public int defaultMaxConnections() {
        if (limit < 0) {
            return UNKNOWN_LIMIT_CONNECTIONS;
        }
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, limit - reserve()));
    }
}
