package io.hookline.plugin.acl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hookline.api.hook.input.Client;
import io.hookline.api.mqtt.ProtocolVersion;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReadCacheTest {
    private static final Path FILE = Path.of("acl.conf");

    private static Client client(String id, String user) {
        return new Client("", id, user, ProtocolVersion.MQTT_5);
    }

    @Test
    void answersAreSharedByClientsOfOneUserWhenNoPatternDenies() throws Exception {
        ReadCache cache = new ReadCache(
                AclRules.parse(FILE, List.of("topic read #", "topic deny a/secret", "user bob", "topic deny b/x")));
        assertFalse(cache.mayRead(client("c1", "bob"), "a/secret"));
        assertFalse(cache.mayRead(client("c2", "bob"), "a/secret"), "the same answer from the cache");
        assertEquals(1, cache.size(), "one entry for user bob and a/secret");
        assertTrue(cache.mayRead(client("c3", "alice"), "b/x"));
        assertFalse(cache.mayRead(client("c3", "bob"), "b/x"));
        assertTrue(cache.mayRead(client("c4", null), "a/public"));
        assertTrue(cache.mayRead(client("c5", null), "a/public"));
        assertEquals(4, cache.size());
    }

    @Test
    void patternDeniesAreCachedPerClient() throws Exception {
        ReadCache cache = new ReadCache(AclRules.parse(FILE, List.of("pattern deny inbox/%c")));
        assertFalse(cache.mayRead(client("c1", "bob"), "inbox/c1"));
        assertTrue(cache.mayRead(client("c2", "bob"), "inbox/c1"), "same user, another client: its own answer");
        assertEquals(2, cache.size());
    }

    @Test
    void aFullCacheStartsOverInsteadOfGrowing() throws Exception {
        ReadCache cache = new ReadCache(AclRules.parse(FILE, List.of("topic deny t/7")), 8);
        for (int i = 0; i < 100; i++) {
            assertEquals(i != 7, cache.mayRead(client("c", "u"), "t/" + i));
            assertTrue(cache.size() <= 8, "bounded: " + cache.size());
        }
        assertFalse(cache.mayRead(client("c", "u"), "t/7"), "answers stay right after starting over");
    }
}
