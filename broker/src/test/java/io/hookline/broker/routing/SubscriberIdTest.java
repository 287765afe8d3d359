package io.hookline.broker.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How a session id is shown: one rule for log lines, admin answers and why_stayed keys. */
class SubscriberIdTest {

    @Test
    void withoutAMountpointTheClientIdAlone() {
        assertEquals("c1", SubscriberId.of("c1").display());
        assertEquals("tenantA/c1", SubscriberId.of("tenantA/c1").display());
        assertEquals("", SubscriberId.of("").display());
    }

    @Test
    void aMountpointIsBracketedWithOrWithoutItsTrailingSlash() {
        assertEquals("[tenantA/] c1", SubscriberId.of("tenantA/", "c1").display());
        assertEquals("[tenantA] c1", SubscriberId.of("tenantA", "c1").display());
    }

    @Test
    void toStringIsTheDisplay() {
        assertEquals("[tenantA/] c1", SubscriberId.of("tenantA/", "c1").toString());
        assertEquals("c1", SubscriberId.of(null, "c1").toString());
    }

    @Test
    void noTwoSessionsShowTheSame() {
        List<SubscriberId> ids = List.of(
                SubscriberId.of("tenantA/c1"), // a plain client id with a slash...
                SubscriberId.of("tenantA/", "c1"), // ...the same session glued, behind "tenantA/"
                SubscriberId.of("tenantA", "/c1"),
                SubscriberId.of("tenantA", "c1"),
                SubscriberId.of("tenantAc1"), // "tenantA" + "c1" glued without a slash
                SubscriberId.of("[tenantA/] c1"), // a client id that reads like the bracketed form
                SubscriberId.of("[] [tenantA/] c1"),
                SubscriberId.of("", "[tenantA] c1"),
                SubscriberId.of("a]b", "c"), // a ']' in the mountpoint...
                SubscriberId.of("a", "b] c"), // ...or after it in the client id
                SubscriberId.of("a]", "]x"),
                SubscriberId.of("a", "]]x"),
                SubscriberId.of("a]]", "x"));
        Map<String, SubscriberId> shown = new HashMap<>();
        for (SubscriberId id : ids) {
            SubscriberId before = shown.put(id.display(), id);
            assertNull(before, () -> "'" + id.display() + "' shows two sessions");
        }
        assertEquals("[] [tenantA/] c1", SubscriberId.of("[tenantA/] c1").display());
        assertEquals("[a]]b] c", SubscriberId.of("a]b", "c").display());
    }
}
