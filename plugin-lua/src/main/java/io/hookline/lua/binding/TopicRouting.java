package io.hookline.lua.binding;

import io.hookline.api.mqtt.TopicPattern;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;

/**
 * The {@code router} binding: {@code router.match(pattern, topic)} returns a table of what the
 * pattern's {@code :name} and {@code *name} levels captured (empty for a pattern without
 * parameters), or nil when the topic does not match; a bad pattern raises an error naming it.
 * Same patterns as plugin-api's {@link TopicPattern}. Confined to its state's thread: the cache
 * of compiled patterns belongs to one state.
 */
final class TopicRouting {
    private static final int CACHED_PATTERNS = 256;

    private TopicRouting() {}

    static LuaTable table() {
        Map<String, TopicPattern> compiled = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, TopicPattern> eldest) {
                return size() > CACHED_PATTERNS;
            }
        };
        LuaTable t = new LuaTable();
        t.set("match", Bindings.fn("router.match", a -> {
            String pattern = a.checkjstring(1);
            String topic = a.checkjstring(2);
            TopicPattern p = compiled.get(pattern);
            if (p == null) {
                try {
                    p = TopicPattern.compile(pattern);
                } catch (IllegalArgumentException e) {
                    throw new LuaError("router.match: " + e.getMessage());
                }
                compiled.put(pattern, p);
            }
            Optional<Map<String, String>> params = p.match(topic);
            if (params.isEmpty()) {
                return LuaValue.NIL;
            }
            LuaTable out = new LuaTable();
            params.get().forEach((k, v) -> out.set(k, LuaValue.valueOf(v)));
            return out;
        }));
        return t;
    }
}
