package io.hookline.broker.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class HostPortTest {

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "127.0.0.1:1883|127.0.0.1|1883",
                "0.0.0.0:0|0.0.0.0|0",
                "[::1]:1883|::1|1883",
                "[::]:8883|::|8883",
                "[2001:db8::1]:65535|2001:db8::1|65535",
                "[fe80::1%eth0]:1883|fe80::1%eth0|1883",
                "[::ffff:192.168.0.1]:1|::ffff:192.168.0.1|1",
                "[1:2:3:4:5:6:7:8]:1|1:2:3:4:5:6:7:8|1",
                "localhost:1883|localhost|1883",
                "broker-1.example.com:1883|broker-1.example.com|1883",
            })
    void parsesHostAndPort(String text, String host, int port) {
        HostPort parsed = HostPort.parse(text);
        assertEquals(new HostPort(host, port), parsed);
        assertEquals(text, parsed.toString());
    }

    private static void assertRejected(String text, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HostPort.parse(text));
        assertEquals(message, e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"1883", "localhost", ":1883", "[::1]", "[::1]1883", "[::1"})
    void rejectsTextThatIsNotHostColonPort(String text) {
        assertRejected(text, "'" + text + "' is not host:port (e.g. 127.0.0.1:1883, [::1]:1883, localhost:1883)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"localhost:65536", "localhost:-1", "localhost:http", "localhost:", "localhost:123456"})
    void rejectsBadPorts(String text) {
        assertRejected(text, "'" + text + "': port must be a whole number between 0 and 65535");
    }

    @Test
    void asksForBracketsAroundIpv6() {
        assertRejected("::1:1883", "'::1:1883': put an IPv6 address in brackets, e.g. [::1]:1883");
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "256.0.0.1:1883|256.0.0.1",
                "1.2.3:1883|1.2.3",
                "exa mple:1883|exa mple",
                "-bad.example:1|-bad.example",
                "a..b:1|a..b",
                "host/x:1|host/x",
            })
    void rejectsBadHosts(String text, String host) {
        assertRejected(text, "'" + text + "': '" + host + "' is not a valid host name or IP address");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "1:2:3:4:5:6:7:8:9",
                "1::2::3",
                "12345::1",
                "g::1",
                "1:2:3:4:5:6:7",
                ":::1",
                "::1.2.3.256",
                "fe80::1%"
            })
    void rejectsBadIpv6(String host) {
        assertRejected("[" + host + "]:1", "'[" + host + "]:1': '" + host + "' is not an IPv6 address");
    }

    @Test
    void constructorChecksItsParts() {
        assertThrows(IllegalArgumentException.class, () -> new HostPort("localhost", 70000));
        assertThrows(IllegalArgumentException.class, () -> new HostPort("[::1]", 1));
        assertThrows(IllegalArgumentException.class, () -> new HostPort("", 1));
        assertThrows(IllegalArgumentException.class, () -> new HostPort(null, 1));
    }

    @Test
    void socketAddressKeepsHostAndPort() {
        assertEquals(1883, HostPort.parse("127.0.0.1:1883").socketAddress().getPort());
        assertEquals(
                "127.0.0.1", HostPort.parse("127.0.0.1:1883").socketAddress().getHostString());
    }
}
