package io.hookline.api.hook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hookline.api.mqtt.Properties;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class HooksTest {
    @Test
    void everyHookOfHooksMdIsDescribedWithADenseId() {
        List<String> names = Hooks.all().stream().map(Hook::name).toList();
        assertEquals(25, names.size(), "docs/hooks.md lists 25 hooks");
        for (String n : List.of(
                "auth_on_register",
                "auth_on_register_m5",
                "on_auth_m5",
                "auth_on_publish",
                "auth_on_publish_m5",
                "auth_on_subscribe",
                "auth_on_subscribe_m5",
                "on_unsubscribe",
                "on_unsubscribe_m5",
                "on_deliver",
                "on_deliver_m5",
                "on_register",
                "on_register_m5",
                "on_publish",
                "on_publish_m5",
                "on_subscribe",
                "on_subscribe_m5",
                "on_offline_message",
                "on_client_wakeup",
                "on_client_offline",
                "on_client_gone",
                "on_session_expired",
                "on_topic_unsubscribed",
                "on_message_drop",
                "on_config_change")) {
            assertTrue(Hooks.byName(n).isPresent(), n);
        }
        for (int i = 0; i < Hooks.all().size(); i++) {
            assertEquals(i, Hooks.all().get(i).id());
        }
    }

    @Test
    void kindsAndModifiersFollowHooksMd() {
        assertEquals(HookKind.AUTH, Hooks.AUTH_ON_SUBSCRIBE.kind());
        assertEquals(HookKind.REWRITE, Hooks.ON_DELIVER.kind());
        assertEquals(HookKind.NOTIFY, Hooks.ON_CLIENT_GONE.kind());
        assertTrue(Hooks.AUTH_ON_PUBLISH_M5.accepts(Modifier.PROPERTIES));
        assertFalse(Hooks.AUTH_ON_PUBLISH.accepts(Modifier.PROPERTIES));
        assertFalse(Hooks.ON_DELIVER.accepts(Modifier.QOS));
        assertTrue(Hooks.ON_CLIENT_GONE.modifiers().isEmpty());
        assertEquals(
                Modifier.UNSUBSCRIBE_TOPICS,
                Hooks.ON_UNSUBSCRIBE.modifier("topics").orElseThrow());
        assertEquals(Modifier.TOPICS, Hooks.AUTH_ON_SUBSCRIBE.modifier("topics").orElseThrow());
    }

    @Test
    void bothVersionsPairsPlainAndM5() {
        assertEquals(
                List.of(Hooks.AUTH_ON_PUBLISH, Hooks.AUTH_ON_PUBLISH_M5), Hooks.bothVersions(Hooks.AUTH_ON_PUBLISH_M5));
        assertEquals(List.of(Hooks.ON_AUTH_M5), Hooks.bothVersions(Hooks.ON_AUTH_M5));
        assertEquals(List.of(Hooks.ON_CLIENT_GONE), Hooks.bothVersions(Hooks.ON_CLIENT_GONE));
    }

    @Test
    void answersValidateTheirParts() {
        assertEquals(Answer.ok(), Answer.ok(Modifiers.NONE));
        assertThrows(IllegalArgumentException.class, () -> Answer.error("x", 0x10));
        assertThrows(
                IllegalArgumentException.class, () -> new Answer.Error("x", OptionalInt.of(0x100), Properties.EMPTY));
        assertEquals(Answer.Error.INVALID_CREDENTIALS, Answer.badCredentials().reason());
    }
}
