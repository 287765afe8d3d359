package io.hookline.api.mqtt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TopicRouterTest {

    private static Optional<Map<String, String>> match(String pattern, String topic) {
        return TopicPattern.compile(pattern).match(topic);
    }

    @Test
    void namedParametersCaptureOneNonEmptyLevel() {
        assertEquals(Optional.of(Map.of("id", "d-7")), match("devices/:id/telemetry", "devices/d-7/telemetry"));
        assertEquals(Optional.of(Map.of("site", "north", "id", "7")), match(":site/devices/:id", "north/devices/7"));
        assertEquals(
                List.of("site", "id"), TopicPattern.compile(":site/devices/:id").parameters());
        assertFalse(match("devices/:id/telemetry", "devices//telemetry").isPresent());
        assertFalse(match("devices/:id/telemetry", "devices/d-7").isPresent());
        assertFalse(match("devices/:id/telemetry", "devices/d-7/telemetry/x").isPresent());
        assertFalse(match("devices/:id", "other/d-7").isPresent());
    }

    @Test
    void catchAllsTakeTheRest() {
        assertEquals(Optional.of(Map.of("path", "a/b/c.txt")), match("files/*path", "files/a/b/c.txt"));
        assertEquals(Optional.of(Map.of("path", "x")), match("files/*path", "files/x"));
        assertFalse(match("files/*path", "files").isPresent());
        assertFalse(match("files/*path", "files/").isPresent());
        assertEquals(
                Optional.of(Map.of("owner", "ann", "rest", "2024/q1")),
                match("files/:owner/*rest", "files/ann/2024/q1"));
    }

    @Test
    void mqttWildcardsWorkAsInFilters() {
        assertEquals(Optional.of(Map.of()), match("sport/+/score", "sport/tennis/score"));
        assertEquals(Optional.of(Map.of()), match("sport/#", "sport"));
        assertEquals(Optional.of(Map.of()), match("sport/#", "sport/tennis/player1"));
        assertEquals(Optional.of(Map.of("id", "7")), match("d/:id/#", "d/7/a/b"));
        assertFalse(match("#", "$SYS/broker/uptime").isPresent());
        assertFalse(match(":x/broker/uptime", "$SYS/broker/uptime").isPresent());
        assertTrue(match("$SYS/:what/#", "$SYS/broker/uptime").isPresent());
    }

    @Test
    void badPatternsAreRefusedNamingTheLevel() {
        assertEquals(
                "empty topic pattern",
                assertThrows(IllegalArgumentException.class, () -> TopicPattern.compile(""))
                        .getMessage());
        assertEquals(
                "pattern 'files/*path/x', level 2 '*path': a catch-all must be the last level",
                assertThrows(IllegalArgumentException.class, () -> TopicPattern.compile("files/*path/x"))
                        .getMessage());
        assertEquals(
                "pattern 'a/:id/:id': parameter 'id' appears twice",
                assertThrows(IllegalArgumentException.class, () -> TopicPattern.compile("a/:id/:id"))
                        .getMessage());
        assertEquals(
                "pattern 'a/:1x', level 2 ':1x': a parameter name is letters, digits and _, not starting"
                        + " with a digit",
                assertThrows(IllegalArgumentException.class, () -> TopicPattern.compile("a/:1x"))
                        .getMessage());
        assertEquals(
                "pattern 'a/#/b', level 2 '#': # must be the last level",
                assertThrows(IllegalArgumentException.class, () -> TopicPattern.compile("a/#/b"))
                        .getMessage());
        assertEquals(
                "pattern 'a/b+', level 2 'b+': + and # stand for whole levels only",
                assertThrows(IllegalArgumentException.class, () -> TopicPattern.compile("a/b+"))
                        .getMessage());
    }

    @Test
    void theFirstMatchingRouteWinsAndHandsOverItsParameters() {
        TopicRouter<String> r = TopicRouter.<String>create()
                .add("devices/:id/telemetry", "telemetry")
                .add("devices/:id/#", "device")
                .add("files/*path", "file");
        TopicRouter.Match<String> m = r.match("devices/d-1/telemetry").orElseThrow();
        assertEquals("telemetry", m.handler());
        assertEquals("d-1", m.param("id"));
        assertEquals("devices/:id/telemetry", m.pattern().toString());
        assertEquals("device", r.match("devices/d-1/state").orElseThrow().handler());
        assertEquals("x/y", r.match("files/x/y").orElseThrow().param("path"));
        assertFalse(r.match("other").isPresent());
        assertEquals(
                "pattern 'files/*path' has no parameter 'id'",
                assertThrows(
                                IllegalArgumentException.class,
                                () -> r.match("files/x").orElseThrow().param("id"))
                        .getMessage());
        assertThrows(IllegalArgumentException.class, () -> r.add("bad/#/x", "never"));
        assertEquals(3, r.patterns().size());
    }
}
