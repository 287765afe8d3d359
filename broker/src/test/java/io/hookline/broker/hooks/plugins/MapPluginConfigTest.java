package io.hookline.broker.hooks.plugins;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hookline.api.ConfigKey;
import io.hookline.api.Plugin;
import io.hookline.api.PluginContext;
import io.hookline.broker.config.Config;
import io.hookline.broker.config.ConfigException;
import io.hookline.broker.config.CoreConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MapPluginConfigTest {
    private static final ConfigKey<Path> FILE = ConfigKey.path("lua.<name>.file", null, "doc");
    private static final ConfigKey<Integer> STATES = ConfigKey.integer("lua.<name>.num_states", 0, "doc");
    private static final ConfigKey<Integer> TIMEOUT = ConfigKey.integer("lua.call_timeout", 5000, "doc");
    private static final List<ConfigKey<?>> KEYS = List.of(FILE, STATES, TIMEOUT);

    @Test
    void patternKeysGiveEveryNamedEntryParsed() throws Exception {
        var cfg = new MapPluginConfig(
                "lua",
                KEYS,
                config(Map.of(
                        "lua.auth.file",
                        "a.lua",
                        "lua.rate.file",
                        "r.lua",
                        "lua.auth.num_states",
                        "4",
                        "lua.call_timeout",
                        "300",
                        "plugins.lua",
                        "on")));
        assertEquals(Map.of("auth", Path.of("a.lua"), "rate", Path.of("r.lua")), cfg.named(FILE));
        assertEquals(Map.of("auth", 4), cfg.named(STATES));
        assertEquals(300, cfg.get(TIMEOUT));
    }

    @Test
    void valuesAreTheOnesTheConfigParsedNotParsedAgain() throws Exception {
        Config config = config(Map.of("lua.auth.file", "a.lua"));
        var typed = config.keys().stream()
                .filter(k -> k.name().equals(FILE.name()))
                .findFirst()
                .orElseThrow();
        assertSame(
                config.named(typed).get("auth"),
                new MapPluginConfig("lua", KEYS, config).named(FILE).get("auth"));
    }

    @Test
    void aBadEntryValueIsAConfigErrorNamingTheKeyAndPatternKeysAreNotReadWithGet() throws Exception {
        var e = assertThrows(ConfigException.class, () -> config(Map.of("lua.auth.num_states", "many")));
        assertTrue(e.getMessage().contains("lua.auth.num_states: 'many' is not a valid integer"), e.getMessage());
        var cfg = new MapPluginConfig("lua", List.of(STATES, TIMEOUT), config(Map.of()));
        var get = assertThrows(IllegalArgumentException.class, () -> cfg.get(STATES));
        assertEquals("lua.<name>.num_states is a pattern key: use named()", get.getMessage());
        var named = assertThrows(IllegalArgumentException.class, () -> cfg.named(TIMEOUT));
        assertEquals("lua.call_timeout is not a pattern key: use get()", named.getMessage());
        assertEquals(Map.of(), cfg.named(STATES));
    }

    @Test
    void undeclaredKeysAndKeysOutsideThePluginsSectionAreRefused() throws Exception {
        var cfg = new MapPluginConfig("lua", List.of(TIMEOUT), config(Map.of()));
        var e = assertThrows(IllegalArgumentException.class, () -> cfg.get(FILE));
        assertEquals("plugin lua did not declare key lua.<name>.file", e.getMessage());
        var outside = assertThrows(IllegalArgumentException.class, () -> new MapPluginConfig("acl", KEYS, null));
        assertTrue(outside.getMessage().contains("outside its section acl.*"), outside.getMessage());
    }

    @Test
    void aConfigValidatedWithoutThePluginsKeysGivesTheDefaults() throws Exception {
        var cfg = new MapPluginConfig("lua", KEYS, Config.of(Map.of("listener.tcp.default", "127.0.0.1:0")));
        assertEquals(5000, cfg.get(TIMEOUT));
        assertEquals(Map.of(), cfg.named(FILE));
        assertEquals(5000, new MapPluginConfig("lua", KEYS, null).get(TIMEOUT));
    }

    /** {@code values} validated against the core keys and those of a plugin "lua" declaring {@link #KEYS}. */
    private static Config config(Map<String, String> values) throws ConfigException {
        Plugin lua = new Plugin() {
            @Override
            public String name() {
                return "lua";
            }

            @Override
            public List<ConfigKey<?>> configKeys() {
                return KEYS;
            }

            @Override
            public void start(PluginContext context) {}
        };
        return Config.of(values, PluginConfigSchema.addTo(CoreConfig.schema(), List.of(lua)));
    }
}
