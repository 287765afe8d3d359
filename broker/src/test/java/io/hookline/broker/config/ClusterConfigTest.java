package io.hookline.broker.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hookline.broker.cluster.ClusterSettings;
import io.hookline.broker.cluster.NetsplitSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cluster.* keys: defaults, what they resolve to, and bad values named with their line. */
class ClusterConfigTest {

    @TempDir
    Path dir;

    private Config load(String text) throws Exception {
        Path file = dir.resolve("broker.conf");
        Files.writeString(file, "listener.tcp.default = 127.0.0.1:1883\n" + text);
        return Config.load(file, CoreConfig.schema(), Map.of());
    }

    private String problem(String text) {
        List<String> problems =
                assertThrows(ConfigException.class, () -> load(text)).problems();
        assertEquals(1, problems.size(), problems.toString());
        return problems.get(0);
    }

    @Test
    void offByDefaultAndNothingResolved() throws Exception {
        Config c = load("");
        assertEquals(false, c.get(ClusterConfig.CLUSTER));
        assertNull(ClusterSettings.from(c));
    }

    @Test
    void defaultsOfANode() throws Exception {
        ClusterSettings s = ClusterSettings.from(load("cluster = on\n"));
        assertEquals("hookline", s.name());
        assertTrue(!s.nodeName().isEmpty(), "the host name");
        assertEquals(new HostPort("127.0.0.1", 5701), s.listen());
        assertEquals(5702, s.dataPort(), "auto: listen port + 1");
        assertEquals(List.of(), s.seeds());
        assertEquals(Duration.ofSeconds(10), s.failureTimeout());
    }

    @Test
    void everyKeySet() throws Exception {
        ClusterSettings s = ClusterSettings.from(load("""
                cluster = on
                cluster.name = prod-eu
                cluster.node_name = node1.example
                cluster.listen = 10.0.0.5:6000
                cluster.data_port = 7000
                cluster.seeds = 10.0.0.6:6000, [fd00::7]:6000
                cluster.failure_timeout = 4s
                cluster.join_wait = 0
                """));
        assertEquals("prod-eu", s.name());
        assertEquals("node1.example", s.nodeName());
        assertEquals(new HostPort("10.0.0.5", 6000), s.listen());
        assertEquals(7000, s.dataPort());
        assertEquals(List.of(new HostPort("10.0.0.6", 6000), new HostPort("fd00::7", 6000)), s.seeds());
        assertEquals(Duration.ofSeconds(4), s.failureTimeout());
        assertEquals(Duration.ZERO, s.joinWait());
    }

    @Test
    void offloadAndAdvertisedMqttKeys() throws Exception {
        Config defaults = load("cluster = on\n");
        assertEquals(0, defaults.get(ClusterConfig.OFFLOAD_MAX_CONNECTIONS), "off");
        assertEquals("", defaults.get(ClusterConfig.ADVERTISED_MQTT), "derived from cluster.listen and the listener");
        assertTrue(ClusterConfig.OFFLOAD_MAX_CONNECTIONS.live(), "config set changes it");
        Config set = load("cluster.offload.max_connections = 5000\ncluster.advertised_mqtt = mqtt1.example:8883\n");
        assertEquals(5000, set.get(ClusterConfig.OFFLOAD_MAX_CONNECTIONS));
        assertEquals("mqtt1.example:8883", set.get(ClusterConfig.ADVERTISED_MQTT));
        String p = problem("cluster.advertised_mqtt = mqtt1.example\n");
        assertTrue(p.contains(":2") && p.contains("cluster.advertised_mqtt"), p);
        p = problem("cluster.advertised_mqtt = mqtt1.example:0\n");
        assertTrue(p.contains("cluster.advertised_mqtt") && p.contains("port 0"), p);
        p = problem("cluster.offload.max_connections = -1\n");
        assertTrue(p.contains("cluster.offload.max_connections"), p);
    }

    @Test
    void badValuesAreNamedWithTheirLine() {
        String p = problem("cluster = maybe\n");
        assertTrue(p.contains(":2") && p.contains("cluster") && p.contains("maybe"), p);
        p = problem("cluster.listen = 0.0.0.0:5701\n");
        assertTrue(p.contains("cluster.listen") && p.contains("wildcard"), p);
        p = problem("cluster.listen = 127.0.0.1:0\n");
        assertTrue(p.contains("cluster.listen") && p.contains("1..65534"), p);
        p = problem("cluster.listen = 127.0.0.1:65535\n");
        assertTrue(p.contains("1..65534"), p);
        p = problem("cluster.listen = nohost\n");
        assertTrue(p.contains("cluster.listen") && p.contains("nohost"), p);
        p = problem("cluster.seeds = 10.0.0.1:5701, oops\n");
        assertTrue(p.contains("cluster.seeds") && p.contains("oops"), p);
        p = problem("cluster.node_name = my node\n");
        assertTrue(p.contains("cluster.node_name") && p.contains("not a name"), p);
        p = problem("cluster.name =\n");
        assertTrue(p.contains("cluster.name"), p);
        p = problem("cluster.data_port = 70000\n");
        assertTrue(p.contains("cluster.data_port") && p.contains("70000"), p);
        p = problem("cluster.failure_timeout = 500ms\n");
        assertTrue(p.contains("cluster.failure_timeout"), p);
        p = problem("cluster.netsplit.quorum = most\n");
        assertTrue(p.contains(":2") && p.contains("cluster.netsplit.quorum") && p.contains("majority, all"), p);
        p = problem("cluster.netsplit.quorum = 0\n");
        assertTrue(p.contains("cluster.netsplit.quorum") && p.contains("1..1000"), p);
        p = problem("cluster.netsplit.heal_check = 100ms\n");
        assertTrue(p.contains("cluster.netsplit.heal_check"), p);
        p = problem("allow_publish_during_netsplit = sometimes\n");
        assertTrue(p.contains("allow_publish_during_netsplit") && p.contains("sometimes"), p);
    }

    @Test
    void netsplitKeysDefaultToMajorityAndRefusingEverything() throws Exception {
        NetsplitSettings n = ClusterSettings.from(load("cluster = on\n")).netsplit();
        assertEquals(
                new NetsplitSettings(ClusterConfig.QUORUM_MAJORITY, Duration.ofSeconds(10), false, false, false), n);
        n = ClusterSettings.from(load("""
                        cluster = on
                        cluster.netsplit.quorum = all
                        cluster.netsplit.heal_check = 3s
                        allow_register_during_netsplit = on
                        allow_publish_during_netsplit = on
                        allow_subscribe_during_netsplit = on
                        """)).netsplit();
        assertEquals(new NetsplitSettings(ClusterConfig.QUORUM_ALL, Duration.ofSeconds(3), true, true, true), n);
        assertEquals(
                2,
                ClusterSettings.from(load("cluster = on\ncluster.netsplit.quorum = 2\n"))
                        .netsplit()
                        .quorum());
    }

    @Test
    void forwardingKeys() throws Exception {
        ClusterSettings d = ClusterSettings.from(load("cluster = on\n"));
        assertEquals(8L * 1024 * 1024, d.outboundHighWatermark());
        assertNull(d.dataAdvertise(), "the bound data port on the host of cluster.listen");
        ClusterSettings s = ClusterSettings.from(load("""
                cluster = on
                cluster.outbound_high_watermark = 64KB
                cluster.data_advertise = 192.0.2.10:15702
                """));
        assertEquals(64 * 1024, s.outboundHighWatermark());
        assertEquals(new HostPort("192.0.2.10", 15702), s.dataAdvertise());
        assertEquals(
                0,
                ClusterSettings.from(load("cluster = on\ncluster.outbound_high_watermark = 0\n"))
                        .outboundHighWatermark());
        String p = problem("cluster.outbound_high_watermark = lots\n");
        assertTrue(p.contains(":2") && p.contains("cluster.outbound_high_watermark") && p.contains("lots"), p);
        p = problem("cluster.data_advertise = 0.0.0.0:5702\n");
        assertTrue(p.contains("cluster.data_advertise") && p.contains("wildcard"), p);
        p = problem("cluster.data_advertise = 10.0.0.1:0\n");
        assertTrue(p.contains("cluster.data_advertise") && p.contains("port 0"), p);
        p = problem("cluster.data_advertise = nohost\n");
        assertTrue(p.contains("cluster.data_advertise") && p.contains("nohost"), p);
    }
}
