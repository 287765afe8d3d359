package io.hookline.broker.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading a file (and the environment) against a schema. */
class ConfigLoadTest {

    @TempDir
    Path dir;

    private Path file;

    @BeforeEach
    void nameTheFile() {
        file = dir.resolve("broker.conf");
    }

    private Config load(String text) throws Exception {
        return load(text, Map.of());
    }

    private Config load(String text, Map<String, String> env) throws Exception {
        Files.writeString(file, text);
        return Config.load(file, CoreConfig.schema(), env);
    }

    private List<String> problems(String text) {
        return problems(text, Map.of());
    }

    private List<String> problems(String text, Map<String, String> env) {
        return assertThrows(ConfigException.class, () -> load(text, env)).problems();
    }

    @Test
    void typedValuesFromTheFile() throws Exception {
        Config config = load("""
                # comment
                listener.tcp.default = 127.0.0.1:1883
                allow_anonymous = on
                max_inflight_messages = 50   # trailing comment
                max_message_size = 1MB
                connect_timeout = 500ms
                persistent_client_expiration = 1w
                shared_subscription_policy = round_robin
                data_dir = /var/lib/hookline
                """);
        assertEquals(file, config.source());
        assertEquals(true, config.get(CoreConfig.ALLOW_ANONYMOUS));
        assertEquals(50, config.get(CoreConfig.MAX_INFLIGHT_MESSAGES));
        assertEquals(1 << 20, config.get(CoreConfig.MAX_MESSAGE_SIZE));
        assertEquals(Duration.ofMillis(500), config.get(CoreConfig.CONNECT_TIMEOUT));
        assertEquals(Optional.of(Duration.ofDays(7)), config.get(CoreConfig.PERSISTENT_CLIENT_EXPIRATION));
        assertEquals(SharedSubscriptionPolicy.ROUND_ROBIN, config.get(CoreConfig.SHARED_SUBSCRIPTION_POLICY));
        assertEquals(Path.of("/var/lib/hookline"), config.get(CoreConfig.DATA_DIR));
        assertEquals(Map.of("default", HostPort.parse("127.0.0.1:1883")), config.named(CoreConfig.LISTENER_TCP));
    }

    @Test
    void unsetKeysHaveTheirDefaults() throws Exception {
        Config config = load("");
        assertEquals(false, config.get(CoreConfig.ALLOW_ANONYMOUS));
        assertEquals(20, config.get(CoreConfig.MAX_INFLIGHT_MESSAGES));
        assertEquals(Duration.ofSeconds(20), config.get(CoreConfig.RETRY_INTERVAL));
        assertEquals(Optional.of(Duration.ofDays(1)), config.get(CoreConfig.MAX_SESSION_EXPIRY_INTERVAL));
        assertEquals(Map.of(), config.named(CoreConfig.LISTENER_TCP));
    }

    @Test
    void unknownKeyNamesLineAndSuggestsTheClosestKey() {
        assertEquals(
                List.of(file + ":2: unknown key 'max_inflite_messages' (did you mean 'max_inflight_messages'?)"),
                problems("\nmax_inflite_messages = 5\n"));
    }

    @Test
    void unknownKeyWithoutAnythingCloseHasNoSuggestion() {
        assertEquals(List.of(file + ":1: unknown key 'frobnicate'"), problems("frobnicate = 1"));
    }

    @Test
    void suggestionsForMisspeltPatternKeysKeepTheName() {
        assertEquals(
                List.of(file + ":1: unknown key 'listner.tcp.lan' (did you mean 'listener.tcp.lan'?)"),
                problems("listner.tcp.lan = 0.0.0.0:1883"));
        assertEquals(
                List.of(file + ":1: unknown key 'listener.tcp' (did you mean 'listener.tcp.<name>'?)"),
                problems("listener.tcp = 0.0.0.0:1883"));
        assertEquals(List.of(file + ":1: unknown key 'MAX_QOS' (did you mean 'max_qos'?)"), problems("MAX_QOS = 1"));
    }

    @Test
    void badValueNamesLineKeyAndWhatIsWrong() {
        assertEquals(
                List.of(file + ":7: max_inflight_messages: 'abc' is not a whole number"),
                problems("\n\n\n\n\n\nmax_inflight_messages = abc"));
    }

    @Test
    void missingValueIsAProblem() {
        assertEquals(List.of(file + ":1: max_qos: no value"), problems("max_qos ="));
    }

    @Test
    void duplicateKeyNamesBothLines() {
        assertEquals(
                List.of(file + ":3: duplicate key 'max_qos' (first set on line 1)"),
                problems("max_qos = 1\nallow_anonymous = on\nmax_qos = 2\n"));
    }

    @Test
    void duplicateOfABadEntryIsStillADuplicate() {
        assertEquals(
                List.of(
                        file + ":1: max_qos: '5' must be between 0 and 2",
                        file + ":2: duplicate key 'max_qos' (first set on line 1)"),
                problems("max_qos = 5\nmax_qos = 1"));
    }

    @Test
    void everyProblemOfTheFileIsReportedInLineOrder() {
        ConfigException e = assertThrows(ConfigException.class, () -> load("""
                listener.tcp.default = 127.0.0.1:99999
                allow_anonymous = maybe
                not a key value line
                max_inflite_messages = 5
                max_qos = 3
                max_qos = 1
                listener.tcp.bad$name = 127.0.0.1:1883
                connect_timeout = 0
                persistent_client_expiration = sometimes
                shared_subscription_policy = fifo
                max_message_size = 2GB
                """));
        List<String> expected = List.of(
                file + ":1: listener.tcp.default: '127.0.0.1:99999': port must be a whole number between 0 and 65535",
                file + ":2: allow_anonymous: 'maybe' is not a boolean (use on, off, true or false)",
                file + ":3: expected 'key = value' but found 'not a key value line'",
                file + ":4: unknown key 'max_inflite_messages' (did you mean 'max_inflight_messages'?)",
                file + ":5: max_qos: '3' must be between 0 and 2",
                file + ":6: duplicate key 'max_qos' (first set on line 5)",
                file + ":7: 'listener.tcp.bad$name': 'bad$name' is not a valid name (use letters, digits, '_' and '-')",
                file + ":8: connect_timeout: '0' must be at least 1ms",
                file + ":9: persistent_client_expiration: 'sometimes' is not a duration or 'never'"
                        + " (e.g. never, 30s, 1h, 1d, 1w)",
                file
                        + ":10: shared_subscription_policy: 'fifo' is not one of random, round_robin, prefer_local, local_only",
                file + ":11: max_message_size: '2GB' must be at most 2147483647 bytes");
        assertEquals(expected, e.problems());
        assertEquals(String.join("\n", expected), e.getMessage());
    }

    @Test
    void patternKeysCollectNamedEntriesInFileOrder() throws Exception {
        Config config = load("""
                listener.tcp.zeta = 0.0.0.0:1883
                listener.tcp.alpha = [::1]:1884
                listener.tcp.Lan_2-b = localhost:0
                """);
        assertEquals(
                List.of("zeta", "alpha", "Lan_2-b"),
                List.copyOf(config.named(CoreConfig.LISTENER_TCP).keySet()));
        assertEquals(
                new HostPort("::1", 1884), config.named(CoreConfig.LISTENER_TCP).get("alpha"));
        assertEquals(new HostPort("::1", 1884), config.get(CoreConfig.LISTENER_TCP, "alpha"));
        assertEquals(null, config.get(CoreConfig.LISTENER_TCP, "missing"));
    }

    @Test
    void patternEntryNeedsAName() {
        assertEquals(
                List.of(file + ":1: 'listener.tcp.' has an empty name (listener.tcp.<name>)"),
                problems("listener.tcp. = 127.0.0.1:1883"));
        assertEquals(
                List.of(file + ":1: 'listener.tcp.<name>': '<name>' is not a valid name"
                        + " (use letters, digits, '_' and '-')"),
                problems("listener.tcp.<name> = 127.0.0.1:1883"));
    }

    @Test
    void patternEntryWithTooManySegmentsIsUnknown() {
        assertEquals(
                List.of(file + ":1: unknown key 'listener.tcp.a.b'"), problems("listener.tcp.a.b = 127.0.0.1:1883"));
    }

    @Test
    void environmentOverridesTheFile() throws Exception {
        Config config = load(
                "max_inflight_messages = 10\nlistener.tcp.default = 127.0.0.1:1883\n",
                Map.of(
                        "HOOKLINE_MAX_INFLIGHT_MESSAGES", "30",
                        "HOOKLINE_LISTENER__TCP__DEFAULT", "0.0.0.0:1883",
                        "HOOKLINE_ALLOW_ANONYMOUS", " on ",
                        "PATH", "/usr/bin"));
        assertEquals(30, config.get(CoreConfig.MAX_INFLIGHT_MESSAGES));
        assertEquals(true, config.get(CoreConfig.ALLOW_ANONYMOUS));
        assertEquals(Map.of("default", HostPort.parse("0.0.0.0:1883")), config.named(CoreConfig.LISTENER_TCP));
        assertEquals(Optional.of("environment HOOKLINE_MAX_INFLIGHT_MESSAGES"), config.origin("max_inflight_messages"));
        assertEquals(Optional.of("30"), config.raw("max_inflight_messages"));
    }

    @Test
    void environmentCanAddAPatternEntryAfterTheFileOnes() throws Exception {
        Config config = load(
                "listener.tcp.default = 127.0.0.1:1883\n", Map.of("HOOKLINE_LISTENER__TCP__EXTRA", "0.0.0.0:1884"));
        assertEquals(
                List.of("default", "extra"),
                List.copyOf(config.named(CoreConfig.LISTENER_TCP).keySet()));
    }

    @Test
    void environmentOverridesAMixedCaseEntryOfTheFile() throws Exception {
        Config config =
                load("listener.tcp.Lan = 127.0.0.1:1883\n", Map.of("HOOKLINE_LISTENER__TCP__LAN", "0.0.0.0:1884"));
        assertEquals(Map.of("Lan", HostPort.parse("0.0.0.0:1884")), config.named(CoreConfig.LISTENER_TCP));
    }

    @Test
    void badEnvironmentValueNamesTheVariable() {
        assertEquals(
                List.of(
                        file + ":1: max_qos: '7' must be between 0 and 2",
                        "environment HOOKLINE_LISTENER__TCP__X: listener.tcp.x: 'nowhere' is not host:port"
                                + " (e.g. 127.0.0.1:1883, [::1]:1883, localhost:1883)",
                        "environment HOOKLINE_MAX_INFLIGHT_MESSAGES: max_inflight_messages: 'abc' is not a whole number"),
                problems(
                        "max_qos = 7\n",
                        Map.of(
                                "HOOKLINE_MAX_INFLIGHT_MESSAGES", "abc",
                                "HOOKLINE_LISTENER__TCP__X", "nowhere")));
    }

    @Test
    void otherHooklineVariablesAreLeftAloneButTyposWarn() throws Exception {
        Config config = load(
                "",
                Map.of(
                        "HOOKLINE_API_KEY", "secret",
                        "HOOKLINE_MAX_INFLITE_MESSAGES", "5"));
        assertEquals(20, config.get(CoreConfig.MAX_INFLIGHT_MESSAGES));
        assertEquals(
                List.of("ignoring HOOKLINE_MAX_INFLITE_MESSAGES: there is no key 'max_inflite_messages'"
                        + " (did you mean HOOKLINE_MAX_INFLIGHT_MESSAGES?)"),
                config.warnings());
    }

    @Test
    void environmentVariableNames() {
        assertEquals("HOOKLINE_MAX_INFLIGHT_MESSAGES", Config.environmentVariable("max_inflight_messages"));
        assertEquals("HOOKLINE_LISTENER__TCP__DEFAULT", Config.environmentVariable("listener.tcp.default"));
    }

    @Test
    void pluginKeysAddedToTheSchemaAreValidated() throws Exception {
        ConfigSchema schema = CoreConfig.schema();
        ConfigKey<String> hook = ConfigKey.builder("webhooks.<name>.hook", ValueType.string())
                .doc("the hook a webhook serves")
                .build();
        ConfigKey<String> onError = ConfigKey.builder(
                        "webhooks.<name>.on_error", ValueType.oneOf("deny", "next", "allow"))
                .defaultValue("deny")
                .doc("what a failed call means")
                .build();
        schema.add(hook).add(onError);
        file = dir.resolve("plugins.conf");
        Files.writeString(
                file,
                "webhooks.auth1.hook = auth_on_register\nwebhooks.auth1.on_error = next\n"
                        + "webhooks.w2.hook = on_publish\n");
        Config config = Config.load(file, schema, Map.of());
        assertEquals(Map.of("auth1", "auth_on_register", "w2", "on_publish"), config.named(hook));
        assertEquals("next", config.get(onError, "auth1"));
        assertEquals("deny", config.get(onError, "w2"));

        Files.writeString(file, "webhooks.auth1.on_error = maybe\n");
        ConfigException e = assertThrows(ConfigException.class, () -> Config.load(file, schema, Map.of()));
        assertEquals(file + ":1: webhooks.auth1.on_error: 'maybe' is not one of deny, next, allow", e.getMessage());
    }

    @Test
    void theSnapshotDoesNotSeeKeysAddedToTheSchemaLater() throws Exception {
        ConfigSchema schema = CoreConfig.schema();
        file = dir.resolve("b.conf");
        Files.writeString(file, "");
        Config config = Config.load(file, schema, Map.of());
        schema.add(
                ConfigKey.builder("late", ValueType.string()).doc("added late").build());
        ConfigException e = assertThrows(ConfigException.class, () -> config.with(Map.of("late", "x")));
        assertEquals("unknown key 'late'", e.getMessage());
    }
}
