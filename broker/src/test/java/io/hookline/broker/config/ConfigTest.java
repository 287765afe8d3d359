package io.hookline.broker.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Config built from maps ({@code of}, {@code with}) and what a snapshot answers. */
class ConfigTest {

    private static Map<String, String> ordered(String... keysAndValues) {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }

    @Test
    void ofValidatesAgainstTheCoreKeys() throws Exception {
        Config config = Config.of(Map.of("max_inflight_messages", "5", "retry_interval", "1m"));
        assertEquals(5, config.get(CoreConfig.MAX_INFLIGHT_MESSAGES));
        assertEquals(Duration.ofMinutes(1), config.get(CoreConfig.RETRY_INTERVAL));
        assertEquals(1000, config.get(CoreConfig.MAX_OFFLINE_MESSAGES));
        assertNull(config.source());
    }

    @Test
    void ofProblemsNameTheKey() {
        ConfigException e = assertThrows(
                ConfigException.class,
                () -> Config.of(ordered(
                        "max_inflight_messages", "abc",
                        "max_inflite_messages", "5",
                        "max_qos", "")));
        assertEquals(
                List.of(
                        "max_inflight_messages: 'abc' is not a whole number",
                        "unknown key 'max_inflite_messages' (did you mean 'max_inflight_messages'?)",
                        "max_qos: no value"),
                e.problems());
    }

    @Test
    void ofDoesNotReadTheEnvironment() throws Exception {
        // Whatever the test JVM's environment holds, of() only sees the map.
        assertEquals(Map.of(), Config.of(Map.of()).entries());
    }

    @Test
    void withReturnsAChangedCopy() throws Exception {
        Config before = Config.of(Map.of("max_inflight_messages", "5"));
        Config after = before.with(Map.of("max_inflight_messages", "7", "allow_anonymous", "on"));
        assertNotSame(before, after);
        assertEquals(5, before.get(CoreConfig.MAX_INFLIGHT_MESSAGES));
        assertEquals(false, before.get(CoreConfig.ALLOW_ANONYMOUS));
        assertEquals(7, after.get(CoreConfig.MAX_INFLIGHT_MESSAGES));
        assertEquals(true, after.get(CoreConfig.ALLOW_ANONYMOUS));
        assertEquals(Optional.of("runtime"), after.origin("max_inflight_messages"));
    }

    @Test
    void withIsAllOrNothing() throws Exception {
        Config before = Config.of(Map.of("max_inflight_messages", "5"));
        ConfigException e = assertThrows(
                ConfigException.class,
                () -> before.with(ordered(
                        "max_inflight_messages", "9",
                        "max_online_messages", "-5",
                        "nope", "1")));
        assertEquals(List.of("max_online_messages: '-5' must be at least -1", "unknown key 'nope'"), e.problems());
        assertEquals(5, before.get(CoreConfig.MAX_INFLIGHT_MESSAGES));
        assertEquals(1000, before.get(CoreConfig.MAX_ONLINE_MESSAGES));
    }

    @Test
    void withKeepsTheSourceAndAddsPatternEntries() throws Exception {
        Config config = Config.of(Map.of("listener.tcp.a", "127.0.0.1:1"))
                .with(ordered("listener.tcp.b", "127.0.0.1:2", "listener.tcp.a", "127.0.0.1:3"));
        assertEquals(
                ordered("a", "127.0.0.1:3", "b", "127.0.0.1:2").toString(),
                config.named(CoreConfig.LISTENER_TCP).toString());
    }

    @Test
    void rawGivesTheTextInEffect() throws Exception {
        Config config = Config.of(Map.of("max_message_size", "64KB", "listener.tcp.default", "[::1]:1883"));
        assertEquals(Optional.of("64KB"), config.raw("max_message_size"));
        assertEquals(Optional.of("[::1]:1883"), config.raw("listener.tcp.default"));
        assertEquals(Optional.of("10s"), config.raw("connect_timeout"));
        assertEquals(Optional.of("1d"), config.raw("persistent_client_expiration"));
        assertEquals(Optional.empty(), config.raw("listener.tcp.other"));
        assertEquals(Optional.empty(), config.raw("nope"));
        assertEquals(Optional.of("given"), config.origin("max_message_size"));
        assertEquals(Optional.empty(), config.origin("connect_timeout"));
    }

    @Test
    void entriesListWhatIsSetInOrder() throws Exception {
        Config config = Config.of(ordered("max_qos", "1", "allow_anonymous", "true"));
        assertEquals(
                List.of("max_qos", "allow_anonymous"),
                List.copyOf(config.entries().keySet()));
        assertEquals("true", config.entries().get("allow_anonymous"));
    }

    @Test
    void getAndNamedAreForTheirKindOfKey() throws Exception {
        Config config = Config.of(Map.of());
        assertEquals(
                "'listener.tcp.<name>' is a pattern key: use named() or get(key, name)",
                assertThrows(IllegalArgumentException.class, () -> config.get(CoreConfig.LISTENER_TCP))
                        .getMessage());
        assertEquals(
                "'max_qos' is not a pattern key: use get()",
                assertThrows(IllegalArgumentException.class, () -> config.named(CoreConfig.MAX_QOS))
                        .getMessage());
    }

    @Test
    void keysOfAnotherSchemaAreRefused() throws Exception {
        ConfigKey<String> foreign =
                ConfigKey.builder("max_qos", ValueType.string()).doc("impostor").build();
        Config config = Config.of(Map.of());
        assertEquals(
                "key 'max_qos' is not in this config's schema",
                assertThrows(IllegalArgumentException.class, () -> config.get(foreign))
                        .getMessage());
    }

    @Test
    void ofWithAPluginSchema() throws Exception {
        ConfigSchema schema = new ConfigSchema();
        ConfigKey<Duration> timeout = ConfigKey.builder("lua.call_timeout", ValueType.duration())
                .defaultValue(Duration.ofSeconds(5))
                .doc("budget of one Lua call")
                .live()
                .build();
        schema.add(timeout);
        assertEquals(
                Duration.ofMillis(250),
                Config.of(Map.of("lua.call_timeout", "250ms"), schema).get(timeout));
        assertEquals(Duration.ofSeconds(5), Config.of(Map.of(), schema).get(timeout));
        assertEquals(List.of(timeout), Config.of(Map.of(), schema).keys());
    }

    @Test
    void exceptionMessageJoinsProblems() {
        ConfigException e = new ConfigException(List.of("a", "b"));
        assertEquals("a\nb", e.getMessage());
        assertEquals(List.of("a", "b"), e.problems());
    }
}
