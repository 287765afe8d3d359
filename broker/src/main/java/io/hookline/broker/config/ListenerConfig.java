package io.hookline.broker.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The listener keys: one family per {@link Kind} ({@code listener.ssl.<name>} and its
 * per-listener settings {@code listener.ssl.<name>.certfile}, ...), plus the TLS defaults
 * that ssl and wss listeners share ({@code listener.ssl.certfile}, ...).
 *
 * <p>How a TLS setting is found for listener {@code NAME} of kind {@code ssl} or {@code wss}:
 * {@code listener.KIND.NAME.SETTING} when set, else {@code listener.ssl.SETTING}. The fixed
 * keys {@code listener.ssl.certfile} etc. win over the pattern {@code listener.ssl.<name>}
 * (see {@link ConfigSchema#resolve}), so those words cannot name an ssl listener.
 */
public final class ListenerConfig {

    private ListenerConfig() {}

    /** The kinds of MQTT listener, by the word used in their keys. */
    public enum Kind {
        TCP("tcp", false, false),
        SSL("ssl", true, false),
        WS("ws", false, true),
        WSS("wss", true, true);

        private final String word;
        private final boolean tls;
        private final boolean websocket;

        Kind(String word, boolean tls, boolean websocket) {
            this.word = word;
            this.tls = tls;
            this.websocket = websocket;
        }

        /** {@code tcp}, {@code ssl}, {@code ws}, {@code wss}. */
        public String word() {
            return word;
        }

        public boolean tls() {
            return tls;
        }

        public boolean websocket() {
            return websocket;
        }
    }

    /**
     * The keys of one listener kind; TLS keys are null for tcp/ws, {@code path} for tcp/ssl.
     * TLS settings and {@code allow_anonymous} have no default here: unset means "inherit".
     */
    public record KindKeys(
            ConfigKey<HostPort> address,
            ConfigKey<Integer> maxConnections,
            ConfigKey<String> mountpoint,
            ConfigKey<List<Integer>> allowedProtocolVersions,
            ConfigKey<Boolean> allowAnonymous,
            ConfigKey<String> certfile,
            ConfigKey<String> keyfile,
            ConfigKey<String> cafile,
            ConfigKey<Boolean> requireCertificate,
            ConfigKey<Boolean> useIdentityAsUsername,
            ConfigKey<List<String>> tlsVersions,
            ConfigKey<List<String>> ciphers,
            ConfigKey<String> path,
            ConfigKey<Boolean> proxyProtocol,
            ConfigKey<List<String>> trustedProxies) {

        List<ConfigKey<?>> all() {
            List<ConfigKey<?>> keys = new ArrayList<>();
            for (ConfigKey<?> k : new ConfigKey<?>[] {
                address,
                maxConnections,
                mountpoint,
                allowedProtocolVersions,
                allowAnonymous,
                certfile,
                keyfile,
                cafile,
                requireCertificate,
                useIdentityAsUsername,
                tlsVersions,
                ciphers,
                path,
                proxyProtocol,
                trustedProxies
            }) {
                if (k != null) {
                    keys.add(k);
                }
            }
            return keys;
        }
    }

    /** A topic prefix: no wildcards, no NUL; empty = none. */
    static final ValueType<String> MOUNTPOINT = new ValueType<>() {
        @Override
        public String parse(String text) {
            if (text.indexOf('+') >= 0 || text.indexOf('#') >= 0 || text.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("'" + text + "' is not a valid mountpoint (no +, # or NUL)");
            }
            return text;
        }

        @Override
        public String format(String value) {
            return value;
        }

        @Override
        public String describe() {
            return "topic prefix";
        }

        @Override
        public boolean acceptsEmpty() {
            return true;
        }
    };

    private static final ValueType<List<Integer>> PROTOCOL_VERSIONS = ValueType.list(ValueType.integer(3, 5));

    public static final ConfigKey<String> TLS_CERTFILE = ConfigKey.builder("listener.ssl.certfile", ValueType.string())
            .defaultValue("")
            .doc("default certificate (PEM, the chain after it) of ssl and wss listeners")
            .build();

    public static final ConfigKey<String> TLS_KEYFILE = ConfigKey.builder("listener.ssl.keyfile", ValueType.string())
            .defaultValue("")
            .doc("default private key (PEM, PKCS#8, unencrypted) of ssl and wss listeners")
            .build();

    public static final ConfigKey<String> TLS_CAFILE = ConfigKey.builder("listener.ssl.cafile", ValueType.string())
            .defaultValue("")
            .doc("default CA certificates (PEM) that client certificates are checked against;"
                    + " empty = client certificates are not asked for")
            .build();

    public static final ConfigKey<Boolean> TLS_REQUIRE_CERTIFICATE = ConfigKey.builder(
                    "listener.ssl.require_certificate", ValueType.bool())
            .defaultValue(false)
            .doc("refuse TLS clients without a certificate signed by a CA of cafile")
            .build();

    public static final ConfigKey<Boolean> TLS_USE_IDENTITY_AS_USERNAME = ConfigKey.builder(
                    "listener.ssl.use_identity_as_username", ValueType.bool())
            .defaultValue(false)
            .doc("the client certificate's subject CN becomes the MQTT user name")
            .build();

    public static final ConfigKey<List<String>> TLS_VERSIONS = ConfigKey.builder(
                    "listener.ssl.tls_versions", ValueType.list(ValueType.string()))
            .defaultValue(List.of("TLSv1.2", "TLSv1.3"))
            .doc("TLS protocol versions offered")
            .build();

    public static final ConfigKey<List<String>> TLS_CIPHERS = ConfigKey.builder(
                    "listener.ssl.ciphers", ValueType.list(ValueType.string()))
            .defaultValue(List.of())
            .doc("cipher suites offered (JDK names); empty = the JDK's defaults")
            .build();

    public static final ConfigKey<Duration> TLS_RELOAD_INTERVAL = ConfigKey.builder(
                    "listener.ssl.reload_interval", ValueType.duration())
            .defaultValue(Duration.ofSeconds(10))
            .doc("how often certificate, key and CA files are checked for changes; 0 = never")
            .build();

    private static final Map<Kind, KindKeys> KEYS = new EnumMap<>(Kind.class);

    static {
        for (Kind kind : Kind.values()) {
            KEYS.put(kind, declare(kind));
        }
    }

    private static KindKeys declare(Kind kind) {
        String base = "listener." + kind.word() + ".<name>";
        String what = switch (kind) {
            case TCP -> "an MQTT TCP listener";
            case SSL -> "an MQTT listener over TLS";
            case WS -> "an MQTT over WebSocket listener";
            case WSS -> "an MQTT over secure WebSocket (TLS) listener";
        };
        ConfigKey<HostPort> address = ConfigKey.builder(base, ValueType.hostPort())
                .doc(what + ", ip:port; any number of named listeners")
                .build();
        ConfigKey<Integer> maxConnections = ConfigKey.builder(
                        base + ".max_connections", ValueType.integer(0, Integer.MAX_VALUE))
                .defaultValue(0)
                .doc("open connections on this listener; 0 = only listener.max_connections applies")
                .build();
        ConfigKey<String> mountpoint = ConfigKey.builder(base + ".mountpoint", MOUNTPOINT)
                .defaultValue("")
                .doc("topic prefix added to every topic of this listener's clients, hidden from them")
                .build();
        ConfigKey<List<Integer>> versions = ConfigKey.builder(base + ".allowed_protocol_versions", PROTOCOL_VERSIONS)
                .defaultValue(List.of(3, 4, 5))
                .doc("MQTT protocol levels accepted: 3 = 3.1, 4 = 3.1.1, 5 = 5.0")
                .build();
        ConfigKey<Boolean> anonymous = ConfigKey.builder(base + ".allow_anonymous", ValueType.bool())
                .doc("overrides allow_anonymous for this listener")
                .build();
        ConfigKey<String> certfile = null;
        ConfigKey<String> keyfile = null;
        ConfigKey<String> cafile = null;
        ConfigKey<Boolean> requireCertificate = null;
        ConfigKey<Boolean> useIdentity = null;
        ConfigKey<List<String>> tlsVersions = null;
        ConfigKey<List<String>> ciphers = null;
        if (kind.tls()) {
            String inherit = " (default: listener.ssl.";
            certfile = ConfigKey.builder(base + ".certfile", ValueType.string())
                    .doc("certificate file (PEM)" + inherit + "certfile)")
                    .build();
            keyfile = ConfigKey.builder(base + ".keyfile", ValueType.string())
                    .doc("private key file (PEM, PKCS#8)" + inherit + "keyfile)")
                    .build();
            cafile = ConfigKey.builder(base + ".cafile", ValueType.string())
                    .doc("CA file for client certificates" + inherit + "cafile)")
                    .build();
            requireCertificate = ConfigKey.builder(base + ".require_certificate", ValueType.bool())
                    .doc("refuse clients without a valid certificate" + inherit + "require_certificate)")
                    .build();
            useIdentity = ConfigKey.builder(base + ".use_identity_as_username", ValueType.bool())
                    .doc("certificate CN as user name" + inherit + "use_identity_as_username)")
                    .build();
            tlsVersions = ConfigKey.builder(base + ".tls_versions", ValueType.list(ValueType.string()))
                    .doc("TLS versions" + inherit + "tls_versions)")
                    .build();
            ciphers = ConfigKey.builder(base + ".ciphers", ValueType.list(ValueType.string()))
                    .doc("cipher suites" + inherit + "ciphers)")
                    .build();
        }
        ConfigKey<String> path = null;
        ConfigKey<List<String>> trustedProxies = null;
        ConfigKey<Boolean> proxyProtocol = null;
        if (kind.websocket()) {
            path = ConfigKey.builder(base + ".path", ValueType.string())
                    .defaultValue("/mqtt")
                    .doc("HTTP path of the WebSocket upgrade")
                    .build();
            trustedProxies = ConfigKey.builder(base + ".trusted_proxies", ValueType.list(ValueType.string()))
                    .defaultValue(List.of())
                    .doc("addresses or CIDR ranges of reverse proxies whose X-Forwarded-For header gives the"
                            + " client's address; empty = the header is ignored")
                    .build();
        } else {
            proxyProtocol = ConfigKey.builder(base + ".proxy_protocol", ValueType.bool())
                    .defaultValue(false)
                    .doc("every connection starts with a PROXY protocol v1 or v2 header (HAProxy, AWS NLB)"
                            + " giving the client's address; connections without one are closed")
                    .build();
        }
        return new KindKeys(
                address,
                maxConnections,
                mountpoint,
                versions,
                anonymous,
                certfile,
                keyfile,
                cafile,
                requireCertificate,
                useIdentity,
                tlsVersions,
                ciphers,
                path,
                proxyProtocol,
                trustedProxies);
    }

    /** The keys of listeners of {@code kind}. */
    public static KindKeys keys(Kind kind) {
        return KEYS.get(kind);
    }

    /** Every listener key except {@code listener.tcp.<name>} itself, which {@link CoreConfig} declares first. */
    static List<ConfigKey<?>> all() {
        List<ConfigKey<?>> all = new ArrayList<>();
        for (Kind kind : Kind.values()) {
            all.addAll(KEYS.get(kind).all());
        }
        all.addAll(List.of(
                TLS_CERTFILE,
                TLS_KEYFILE,
                TLS_CAFILE,
                TLS_REQUIRE_CERTIFICATE,
                TLS_USE_IDENTITY_AS_USERNAME,
                TLS_VERSIONS,
                TLS_CIPHERS,
                TLS_RELOAD_INTERVAL));
        return all;
    }
}
