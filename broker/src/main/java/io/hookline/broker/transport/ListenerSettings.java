package io.hookline.broker.transport;

import io.hookline.broker.config.Config;
import io.hookline.broker.config.ConfigKey;
import io.hookline.broker.config.HostPort;
import io.hookline.broker.config.ListenerConfig;
import io.hookline.broker.config.ListenerConfig.Kind;
import io.hookline.broker.config.ListenerConfig.KindKeys;
import io.hookline.broker.protocol.ListenerInfo;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * One listener's settings with the inheritance rules applied (per-listener key, else the shared
 * TLS default {@code listener.ssl.*}, else the broker-wide value). Immutable.
 *
 * @param maxConnections 0 = no per-listener limit
 * @param tls            null for tcp and ws listeners
 * @param path           the WebSocket upgrade path; null for tcp and ssl listeners
 * @param proxyProtocol  tcp/ssl: connections start with a PROXY protocol header
 * @param trustedProxies ws/wss: peers whose X-Forwarded-For is believed (addresses or CIDR ranges)
 */
public record ListenerSettings(
        String name,
        Kind kind,
        HostPort address,
        int maxConnections,
        ListenerInfo info,
        TlsSettings tls,
        String path,
        boolean proxyProtocol,
        List<String> trustedProxies) {

    /**
     * TLS files and options. A file is null when not configured.
     *
     * @param cafile null = client certificates are not asked for
     */
    public record TlsSettings(
            Path certfile,
            Path keyfile,
            Path cafile,
            boolean requireCertificate,
            List<String> versions,
            List<String> ciphers) {}

    /** {@code listener.ssl.NAME}: how messages name this listener. */
    public String key() {
        return "listener." + kind.word() + "." + name;
    }

    public static ListenerSettings from(Config config, Kind kind, String name) {
        KindKeys keys = ListenerConfig.keys(kind);
        TlsSettings tls = null;
        boolean useIdentity = false;
        if (kind.tls()) {
            tls = new TlsSettings(
                    file(inherit(config, keys.certfile(), name, ListenerConfig.TLS_CERTFILE)),
                    file(inherit(config, keys.keyfile(), name, ListenerConfig.TLS_KEYFILE)),
                    file(inherit(config, keys.cafile(), name, ListenerConfig.TLS_CAFILE)),
                    inherit(config, keys.requireCertificate(), name, ListenerConfig.TLS_REQUIRE_CERTIFICATE),
                    inherit(config, keys.tlsVersions(), name, ListenerConfig.TLS_VERSIONS),
                    inherit(config, keys.ciphers(), name, ListenerConfig.TLS_CIPHERS));
            useIdentity =
                    inherit(config, keys.useIdentityAsUsername(), name, ListenerConfig.TLS_USE_IDENTITY_AS_USERNAME);
        }
        ListenerInfo info = new ListenerInfo(
                name,
                kind.word(),
                config.get(keys.mountpoint(), name),
                config.get(keys.allowAnonymous(), name),
                new LinkedHashSet<>(config.get(keys.allowedProtocolVersions(), name)),
                useIdentity);
        return new ListenerSettings(
                name,
                kind,
                config.get(keys.address(), name),
                config.get(keys.maxConnections(), name),
                info,
                tls,
                kind.websocket() ? config.get(keys.path(), name) : null,
                !kind.websocket() && config.get(keys.proxyProtocol(), name),
                kind.websocket() ? config.get(keys.trustedProxies(), name) : List.of());
    }

    private static <T> T inherit(Config config, ConfigKey<T> perListener, String name, ConfigKey<T> shared) {
        T own = config.get(perListener, name);
        return own != null ? own : config.get(shared);
    }

    private static Path file(String text) {
        return text == null || text.isBlank() ? null : Path.of(text.strip());
    }
}
