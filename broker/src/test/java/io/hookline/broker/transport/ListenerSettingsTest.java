package io.hookline.broker.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hookline.broker.config.Config;
import io.hookline.broker.config.ConfigException;
import io.hookline.broker.config.HostPort;
import io.hookline.broker.config.ListenerConfig;
import io.hookline.broker.config.ListenerConfig.Kind;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** How listener keys resolve: shared TLS defaults vs per-listener values, and bad values. */
class ListenerSettingsTest {

    @Test
    void sharedTlsDefaultsAreNotTakenForListenersNamedCertfile() throws Exception {
        Config config = Config.of(Map.of(
                "listener.ssl.certfile", "conf/shared.pem",
                "listener.ssl.a", "0.0.0.0:8883"));
        assertEquals(
                Map.of("a", new HostPort("0.0.0.0", 8883)),
                config.named(ListenerConfig.keys(Kind.SSL).address()));
        assertEquals("conf/shared.pem", config.get(ListenerConfig.TLS_CERTFILE));
    }

    @Test
    void perListenerTlsSettingsWinOverTheSharedOnes() throws Exception {
        Config config = Config.of(Map.of(
                "listener.ssl.certfile", "shared.pem",
                "listener.ssl.keyfile", "shared.key",
                "listener.ssl.require_certificate", "on",
                "listener.ssl.cafile", "ca.pem",
                "listener.ssl.a", "0.0.0.0:8883",
                "listener.ssl.b", "0.0.0.0:8884",
                "listener.ssl.b.certfile", "b.pem",
                "listener.ssl.b.require_certificate", "off",
                "listener.wss.c", "0.0.0.0:8443"));
        ListenerSettings a = ListenerSettings.from(config, Kind.SSL, "a");
        ListenerSettings b = ListenerSettings.from(config, Kind.SSL, "b");
        ListenerSettings c = ListenerSettings.from(config, Kind.WSS, "c");
        assertEquals(Path.of("shared.pem"), a.tls().certfile());
        assertTrue(a.tls().requireCertificate());
        assertEquals(Path.of("b.pem"), b.tls().certfile());
        assertEquals(Path.of("shared.key"), b.tls().keyfile());
        assertFalse(b.tls().requireCertificate());
        assertEquals(Path.of("shared.pem"), c.tls().certfile());
        assertEquals("/mqtt", c.path());
        assertEquals(List.of("TLSv1.2", "TLSv1.3"), a.tls().versions());
        assertEquals("listener.wss.c", c.key());
    }

    @Test
    void listenerSettingsDefaultToNoOverride() throws Exception {
        Config config = Config.of(Map.of(
                "listener.tcp.a",
                "127.0.0.1:1883",
                "listener.tcp.b",
                "127.0.0.1:1884",
                "listener.tcp.b.allow_anonymous",
                "on",
                "listener.tcp.b.mountpoint",
                "tenant/",
                "listener.tcp.b.allowed_protocol_versions",
                "4, 5",
                "listener.tcp.b.max_connections",
                "10"));
        ListenerSettings a = ListenerSettings.from(config, Kind.TCP, "a");
        ListenerSettings b = ListenerSettings.from(config, Kind.TCP, "b");
        assertNull(a.info().allowAnonymous());
        assertEquals("", a.info().mountpoint());
        assertEquals(Set.of(3, 4, 5), a.info().protocolVersions());
        assertEquals(0, a.maxConnections());
        assertNull(a.tls());
        assertNull(a.path());
        assertEquals(true, b.info().allowAnonymous());
        assertEquals("tenant/", b.info().mountpoint());
        assertEquals(Set.of(4, 5), b.info().protocolVersions());
        assertEquals(10, b.maxConnections());
    }

    @Test
    void badListenerValuesAreRefusedNamingTheKey() {
        Map<String, String> values = new LinkedHashMap<>();
        values.put("listener.tcp.a", "127.0.0.1:1883");
        values.put("listener.tcp.a.mountpoint", "tenant/+/");
        values.put("listener.tcp.a.allowed_protocol_versions", "4,6");
        ConfigException e = assertThrows(ConfigException.class, () -> Config.of(values));
        assertEquals(
                List.of(
                        "listener.tcp.a.mountpoint: 'tenant/+/' is not a valid mountpoint (no +, # or NUL)",
                        "listener.tcp.a.allowed_protocol_versions: '6' must be between 3 and 5"),
                e.problems());
    }
}
