package io.hookline.lua.binding;

import static io.hookline.lua.binding.Bindings.fn;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;

/**
 * The {@code kv} binding: named tables shared by every state of every script (VerneMQ keeps
 * them in ETS). Keys and values are copied into plain Java values, so no Lua table is shared
 * between states. Thread-safe: concurrent maps; {@code insert_new} is atomic.
 */
public final class KvStore {
    private final Map<String, Map<Object, Object>> tables = new ConcurrentHashMap<>();

    /** @return the number of entries of {@code table}, or -1 when there is no such table (for tests and show) */
    public int size(String table) {
        Map<Object, Object> t = tables.get(table);
        return t == null ? -1 : t.size();
    }

    LuaTable table() {
        LuaTable t = new LuaTable();
        t.set("ensure_table", fn("kv.ensure_table", a -> {
            LuaTable opts = LuaValues.table(a, 1, "kv.ensure_table", "options");
            String name = LuaValues.field(opts, "name", "kv.ensure_table", null);
            tables.computeIfAbsent(name, n -> new ConcurrentHashMap<>());
            return LuaValue.valueOf(name);
        }));
        t.set("insert", fn("kv.insert", a -> {
            Map<Object, Object> m = existing(a, "kv.insert");
            m.put(key(a, "kv.insert"), value(a, "kv.insert"));
            return LuaValue.TRUE;
        }));
        t.set("insert_new", fn("kv.insert_new", a -> {
            Map<Object, Object> m = existing(a, "kv.insert_new");
            return LuaValue.valueOf(m.putIfAbsent(key(a, "kv.insert_new"), value(a, "kv.insert_new")) == null);
        }));
        t.set("lookup", fn("kv.lookup", a -> {
            Map<Object, Object> m = existing(a, "kv.lookup");
            return LuaValues.toLua(m.get(key(a, "kv.lookup")));
        }));
        t.set("delete", fn("kv.delete", a -> {
            Map<Object, Object> m = existing(a, "kv.delete");
            m.remove(key(a, "kv.delete"));
            return LuaValue.TRUE;
        }));
        t.set("delete_all", fn("kv.delete_all", a -> {
            existing(a, "kv.delete_all").clear();
            return LuaValue.TRUE;
        }));
        return t;
    }

    private Map<Object, Object> existing(Varargs a, String fn) {
        String name = LuaValues.string(a, 1, fn, "table");
        Map<Object, Object> m = tables.get(name);
        if (m == null) {
            throw new LuaError(
                    fn + ": no table '" + name + "' (create it with kv.ensure_table{name=\"" + name + "\"})");
        }
        return m;
    }

    private static Object key(Varargs a, String fn) {
        LuaValue k = a.arg(2);
        if (!(k.isstring() || k.isnumber() || k.isboolean())) {
            throw LuaValues.bad(fn, 2, "key", "string, number or boolean", k);
        }
        return LuaValues.toJava(k, fn);
    }

    private static Object value(Varargs a, String fn) {
        LuaValue v = a.arg(3);
        if (v.isnil()) {
            throw LuaValues.bad(fn, 3, "value", "value", v);
        }
        return LuaValues.toJava(v, fn);
    }
}
