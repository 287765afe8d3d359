package io.hookline.broker.hooks.plugins;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hookline.api.ConfigKey;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MapPluginConfigTest {
    private static final ConfigKey<Path> FILE = ConfigKey.path("lua.<name>.file", null, "doc");
    private static final ConfigKey<Integer> STATES = ConfigKey.integer("lua.<name>.num_states", 0, "doc");
    private static final ConfigKey<Integer> TIMEOUT = ConfigKey.integer("lua.call_timeout", 5000, "doc");

    @Test
    void patternKeysGiveEveryNamedEntryParsed() {
        var cfg = new MapPluginConfig("lua", List.of(FILE, STATES, TIMEOUT), Map.of(
                "lua.auth.file", "a.lua", "lua.rate.file", "r.lua", "lua.auth.num_states", "4",
                "lua.call_timeout", "300", "plugins.lua", "on"));
        assertEquals(Map.of("auth", Path.of("a.lua"), "rate", Path.of("r.lua")), cfg.named(FILE));
        assertEquals(Map.of("auth", 4), cfg.named(STATES));
        assertEquals(300, cfg.get(TIMEOUT));
    }

    @Test
    void aBadEntryValueNamesTheKeyAndPatternKeysAreNotReadWithGet() {
        var e = assertThrows(IllegalArgumentException.class, () -> new MapPluginConfig("lua", List.of(STATES),
                Map.of("lua.auth.num_states", "many")));
        assertTrue(e.getMessage().startsWith("lua.<name>.num_states: invalid value 'many'"), e.getMessage());
        var cfg = new MapPluginConfig("lua", List.of(STATES, TIMEOUT), Map.of());
        assertThrows(IllegalArgumentException.class, () -> cfg.get(STATES));
        assertThrows(IllegalArgumentException.class, () -> cfg.named(TIMEOUT));
        assertEquals(Map.of(), cfg.named(STATES));
    }
}
