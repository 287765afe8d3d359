package io.hookline.broker.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrustedProxiesTest {

    private static InetAddress ip(String s) {
        return TrustedProxies.literal(s);
    }

    @Test
    void addressesAndRangesAreMatched() {
        TrustedProxies p = TrustedProxies.parse(List.of("10.0.0.0/8", "192.168.1.7", "fd00::/8", "172.16.0.0/12"));
        assertTrue(p.trusts(ip("10.200.3.4")));
        assertTrue(p.trusts(ip("192.168.1.7")));
        assertFalse(p.trusts(ip("192.168.1.8")));
        assertTrue(p.trusts(ip("fd12::1")));
        assertTrue(p.trusts(ip("172.31.255.255")));
        assertFalse(p.trusts(ip("172.32.0.0")));
        assertFalse(p.trusts(ip("::ffff:1.2.3.4")));
    }

    @Test
    void theClientIsTheRightMostHopThatIsNotATrustedProxy() {
        TrustedProxies p = TrustedProxies.parse(List.of("10.0.0.0/8"));
        assertEquals(ip("198.51.100.9"), p.client(ip("10.0.0.1"), List.of("203.0.113.1, 198.51.100.9, 10.1.1.1")));
        assertEquals(ip("198.51.100.9"), p.client(ip("10.0.0.1"), List.of("203.0.113.1", "198.51.100.9")));
        assertNull(p.client(ip("127.0.0.1"), List.of("198.51.100.9")), "not from a trusted proxy");
        assertNull(p.client(ip("10.0.0.1"), List.of()), "no header");
        assertNull(p.client(ip("10.0.0.1"), List.of("evil.example.com")), "never resolves names");
        assertEquals(ip("10.2.2.2"), p.client(ip("10.0.0.1"), List.of("10.2.2.2")), "only proxies: the farthest");
    }

    @Test
    void namesAndBadRangesAreRefused() {
        assertEquals(
                "'proxy.local' is not an IP address or CIDR range",
                assertThrows(IllegalArgumentException.class, () -> TrustedProxies.parse(List.of("proxy.local")))
                        .getMessage());
        assertThrows(IllegalArgumentException.class, () -> TrustedProxies.parse(List.of("10.0.0.0/33")));
        assertThrows(IllegalArgumentException.class, () -> TrustedProxies.parse(List.of("300.1.1.1")));
    }
}
