package io.hookline.broker.hooks.plugins;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hookline.api.ConfigKey;
import io.hookline.api.Plugin;
import io.hookline.api.PluginContext;
import io.hookline.broker.config.Config;
import io.hookline.broker.config.ConfigException;
import io.hookline.broker.config.CoreConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PluginConfigSchemaTest {

    /** A plugin declaring one key of every type the plugin API offers. */
    static final class Typed implements Plugin {
        static final ConfigKey<String> S = ConfigKey.string("typed.s", "a", "a string");
        static final ConfigKey<Integer> I = ConfigKey.integer("typed.i", 7, "an int");
        static final ConfigKey<Boolean> F = ConfigKey.flag("typed.f", true, "a flag");
        static final ConfigKey<Path> P = ConfigKey.path("typed.p", Path.of("conf/x"), "a path");
        static final ConfigKey<Duration> D = ConfigKey.duration("typed.d", Duration.ofSeconds(10), "a duration");
        static final ConfigKey<Duration> MS = ConfigKey.duration("typed.ms", Duration.ofMillis(250), "a short one");

        @Override
        public String name() {
            return "typed";
        }

        @Override
        public List<ConfigKey<?>> configKeys() {
            return List.of(S, I, F, P, D, MS);
        }

        @Override
        public void start(PluginContext context) {}
    }

    private static Config config(Map<String, String> values) throws ConfigException {
        return Config.of(values, PluginConfigSchema.addTo(CoreConfig.schema(), List.of(new Typed())));
    }

    @Test
    void everyPluginKeyTypeIsDeclaredWithItsDefault() throws Exception {
        Config c = config(Map.of("listener.tcp.default", "127.0.0.1:0"));
        assertEquals("10s", c.raw("typed.d").orElseThrow());
        assertEquals("250ms", c.raw("typed.ms").orElseThrow());
        assertEquals("on", c.raw("typed.f").orElseThrow());
    }

    @Test
    void pluginKeysAndPluginSwitchesAreValidatedLikeCoreKeys() throws Exception {
        config(Map.of(
                "plugins.typed",
                "on",
                "plugins.typed.priority",
                "5",
                "plugins.typed.on_error",
                "next",
                "typed.i",
                "42",
                "typed.d",
                "1m"));
        ConfigException bad = assertThrows(
                ConfigException.class,
                () -> config(Map.of("typed.i", "lots", "plugins.typed.on_error", "maybe", "typed.nope", "1")));
        String msg = bad.getMessage();
        assertTrue(msg.contains("typed.i: 'lots' is not a valid integer"), msg);
        assertTrue(msg.contains("plugins.typed.on_error"), msg);
        assertTrue(msg.contains("unknown key 'typed.nope'"), msg);
    }
}
