package io.hookline.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ConfigKeyTest {
    private final ConfigKey<Duration> interval =
            ConfigKey.duration("acl.reload_interval", Duration.ofSeconds(10), "doc");

    @Test
    void durationsAreSecondsUnlessSuffixed() {
        assertEquals(Duration.ofSeconds(10), interval.parse("10"));
        assertEquals(Duration.ofMillis(500), interval.parse("500ms"));
        assertEquals(Duration.ofMinutes(2), interval.parse(" 2m "));
        assertEquals(Duration.ofDays(1), interval.parse("1d"));
    }

    @Test
    void badValuesNameTheKey() {
        var e = assertThrows(IllegalArgumentException.class, () -> interval.parse("soon"));
        assertTrue(e.getMessage().startsWith("acl.reload_interval"), e.getMessage());
        var flag = ConfigKey.flag("x.on", false, "doc");
        assertEquals(true, flag.parse("on"));
        assertThrows(IllegalArgumentException.class, () -> flag.parse("maybe"));
    }

    @Test
    void liveKeepsEverythingElse() {
        var live = interval.live();
        assertTrue(live.isLive());
        assertEquals(interval.name(), live.name());
        assertEquals(interval.defaultValue(), live.defaultValue());
    }

    @Test
    void patternKeysNameTheirEntries() {
        ConfigKey<java.nio.file.Path> file = ConfigKey.path("lua.<name>.file", null, "doc");
        assertTrue(file.isPattern());
        assertEquals("auth", file.entryName("lua.auth.file"));
        assertEquals(null, file.entryName("lua.auth.num_states"));
        assertEquals(null, file.entryName("lua.file"));
        assertEquals(null, interval.entryName("acl.reload_interval"));
        assertTrue(!interval.isPattern());
    }
}
