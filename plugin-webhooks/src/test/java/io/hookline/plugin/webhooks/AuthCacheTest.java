package io.hookline.plugin.webhooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.hookline.api.hook.Answer;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Expiry, sweeping, the size bound and the cache-control rules, on a fake clock. */
class AuthCacheTest {
    private final AtomicLong now = new AtomicLong();
    private final AuthCache cache = new AuthCache(2, now::get);

    private static AuthCache.Key key(String c) {
        return new AuthCache.Key("http://e", "auth_on_register", "{\"client_id\":\"" + c + "\"}");
    }

    @Test
    void entriesExpireAfterMaxAgeAndAreSwept() {
        cache.put(key("a"), "", "a", null, Answer.ok(), 5);
        assertNotNull(cache.get(key("a")));
        now.addAndGet(5_000_000_000L);
        assertNull(cache.get(key("a")));
        cache.put(key("b"), "", "b", null, Answer.ok(), 1);
        now.addAndGet(2_000_000_000L);
        assertEquals(1, cache.sweep());
        assertEquals(0, cache.size());
    }

    @Test
    void theLeastRecentlyUsedEntryGoesWhenFull() {
        cache.put(key("a"), "", "a", null, Answer.ok(), 60);
        cache.put(key("b"), "", "b", null, Answer.ok(), 60);
        cache.get(key("a"));
        cache.put(key("c"), "", "c", null, Answer.ok(), 60);
        assertEquals(2, cache.size());
        assertNull(cache.get(key("b")));
        assertNotNull(cache.get(key("a")));
    }

    @Test
    void clearTakesAClientIdOnOneMountpointOrOnEvery() {
        AuthCache big = new AuthCache(10, now::get);
        big.put(key("plain-c1"), "", "c1", null, Answer.ok(), 60);
        big.put(key("a-c1"), "tenantA/", "c1", null, Answer.ok(), 60);
        big.put(key("a-c2"), "tenantA/", "c2", null, Answer.ok(), 60);
        big.put(key("b-c1"), "tenantB/", "c1", null, Answer.ok(), 60);
        assertEquals(1, big.clear("tenantA/", "c1"));
        assertNull(big.get(key("a-c1")));
        assertEquals(2, big.clear(null, "c1"));
        assertEquals(1, big.clear("tenantA/", null));
        assertEquals(0, big.size());
    }

    @Test
    void cacheControlRules() {
        assertEquals(30, AuthCache.maxAge("public, max-age=30", Answer.ok(), null));
        assertEquals(0, AuthCache.maxAge("max-age=30, no-store", Answer.ok(), null));
        assertEquals(0, AuthCache.maxAge("no-cache", Answer.ok(), null));
        assertEquals(0, AuthCache.maxAge("max-age=0", Answer.ok(), null));
        assertEquals(0, AuthCache.maxAge("max-age=abc", Answer.ok(), null));
        assertEquals(0, AuthCache.maxAge(null, Answer.ok(), null));
        assertEquals(0, AuthCache.maxAge("max-age=30", Answer.next(), null));
        assertEquals(0, AuthCache.maxAge("max-age=30", Answer.error("x"), null));
        assertEquals(30, AuthCache.maxAge("max-age=30", Answer.error("x"), "true"));
    }
}
