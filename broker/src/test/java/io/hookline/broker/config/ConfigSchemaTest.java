package io.hookline.broker.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class ConfigSchemaTest {

    private static ConfigKey<String> key(String name) {
        return ConfigKey.builder(name, ValueType.string()).doc("test key").build();
    }

    @Test
    void keysKeepDeclarationOrder() {
        ConfigSchema schema = new ConfigSchema().add(key("b")).add(key("a"));
        assertEquals("[b, a]", schema.keys().toString());
    }

    @Test
    void aNameCanBeDeclaredOnce() {
        ConfigSchema schema = new ConfigSchema().add(key("a"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> schema.add(key("a")));
        assertEquals("key 'a' is declared twice", e.getMessage());
    }

    @Test
    void overlappingPatternsAreRefused() {
        ConfigSchema schema = new ConfigSchema().add(key("webhooks.<name>.hook"));
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> schema.add(key("<name>.x.hook")));
        assertEquals("key '<name>.x.hook' overlaps key 'webhooks.<name>.hook'", e.getMessage());
        schema.add(key("webhooks.<name>.endpoint")).add(key("webhooks.<name>"));
    }

    @Test
    void aFixedKeyShadowsOneNameOfAPattern() {
        ConfigSchema schema = new ConfigSchema().add(key("listener.ssl.<name>")).add(key("listener.ssl.certfile"));
        assertEquals(
                "listener.ssl.certfile",
                schema.find("listener.ssl.certfile").orElseThrow().name());
        assertEquals(
                "listener.ssl.<name>",
                schema.find("listener.ssl.lan").orElseThrow().name());
    }

    @Test
    void findResolvesConcreteKeys() {
        ConfigSchema schema = CoreConfig.schema();
        assertSame(CoreConfig.LISTENER_TCP, schema.find("listener.tcp.default").orElseThrow());
        assertSame(CoreConfig.MAX_QOS, schema.find("max_qos").orElseThrow());
        assertEquals(Optional.empty(), schema.find("listener.tcp.bad$name"));
        assertEquals(Optional.empty(), schema.find("nope"));
        assertSame(
                CoreConfig.LISTENER_TCP, schema.declared("listener.tcp.<name>").orElseThrow());
    }

    @Test
    void keyDeclarationsAreChecked() {
        assertEquals(
                "key 'a.<x>.<y>' has more than one <name> segment",
                assertThrows(IllegalArgumentException.class, () -> key("a.<x>.<y>"))
                        .getMessage());
        assertEquals(
                "key 'Max' has a bad segment 'Max' (use lower-case letters, digits, '_' and '-')",
                assertThrows(IllegalArgumentException.class, () -> key("Max")).getMessage());
        assertEquals(
                "key 'a..b' has a bad segment '' (use lower-case letters, digits, '_' and '-')",
                assertThrows(IllegalArgumentException.class, () -> key("a..b")).getMessage());
        assertEquals(
                "key 'x' needs a doc",
                assertThrows(
                                IllegalStateException.class,
                                () -> ConfigKey.builder("x", ValueType.bool()).build())
                        .getMessage());
    }

    @Test
    void aDefaultMustBeAValidValue() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> ConfigKey.builder("x", ValueType.integer(0, 10))
                        .defaultValue(11)
                        .doc("d")
                        .build());
        assertEquals("key 'x': bad default: '11' must be between 0 and 10", e.getMessage());
    }

    @Test
    void keyDescribesItself() {
        assertEquals("max_inflight_messages", CoreConfig.MAX_INFLIGHT_MESSAGES.name());
        assertEquals(20, CoreConfig.MAX_INFLIGHT_MESSAGES.defaultValue());
        assertEquals("20", CoreConfig.MAX_INFLIGHT_MESSAGES.defaultText());
        assertEquals("10s", CoreConfig.CONNECT_TIMEOUT.defaultText());
        assertEquals("1d", CoreConfig.PERSISTENT_CLIENT_EXPIRATION.defaultText());
        assertEquals("auto", CoreConfig.LISTENER_MAX_CONNECTIONS.defaultText());
        assertTrue(CoreConfig.MAX_INFLIGHT_MESSAGES.live());
        assertFalse(CoreConfig.MAX_QOS.live());
        assertTrue(CoreConfig.LISTENER_TCP.isPattern());
        assertFalse(CoreConfig.MAX_QOS.isPattern());
        assertNull(CoreConfig.LISTENER_TCP.defaultValue());
        assertEquals("listener.tcp.lan", CoreConfig.LISTENER_TCP.concrete("lan"));
        assertThrows(IllegalArgumentException.class, () -> CoreConfig.LISTENER_TCP.concrete("a.b"));
        assertThrows(IllegalStateException.class, () -> CoreConfig.MAX_QOS.concrete("a"));
    }

    @Test
    void schemaIsANewCopyEachTime() {
        ConfigSchema one = CoreConfig.schema();
        one.add(key("plugin.only"));
        assertTrue(CoreConfig.schema().find("plugin.only").isEmpty());
    }

    @Test
    void coreLiveKeysAreTheOnesThatCanChangeAtRuntime() {
        assertEquals(
                "[allow_anonymous, max_inflight_messages, max_online_messages, max_offline_messages,"
                        + " queue_high_watermark, queue_low_watermark, max_online_bytes, max_offline_bytes,"
                        + " stalled_subscriber_timeout, stalled_subscriber_action, max_subscriptions_per_client,"
                        + " max_subscription_memory, max_message_rate, upgrade_outgoing_qos,"
                        + " cluster.offload.max_connections, allow_register_during_netsplit,"
                        + " allow_publish_during_netsplit, allow_subscribe_during_netsplit]",
                CoreConfig.schema().keys().stream()
                        .filter(ConfigKey::live)
                        .toList()
                        .toString());
    }

    @Test
    void editDistance() {
        assertEquals(0, ConfigSchema.editDistance("abc", "abc"));
        assertEquals(3, ConfigSchema.editDistance("max_inflite_messages", "max_inflight_messages"));
        assertEquals(3, ConfigSchema.editDistance("", "abc"));
    }
}
