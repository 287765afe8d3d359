package io.hookline.lua.binding;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;

/**
 * Lua values to plain immutable Java values and back (for JSON and the shared kv tables, which
 * must not hold Lua tables of one state), and argument checks whose errors name the binding
 * function and argument. Stateless.
 */
public final class LuaValues {
    private static final int MAX_DEPTH = 64;

    private LuaValues() {}

    /**
     * @return {@code v} as String, Long, Double, Boolean, List (a table with keys 1..n),
     *     Map&lt;String,Object&gt; (any other table) or null (nil)
     * @throws LuaError naming {@code fn} for functions, userdata, cycles and too deep tables
     */
    public static Object toJava(LuaValue v, String fn) {
        return toJava(v, fn, 0);
    }

    private static Object toJava(LuaValue v, String fn, int depth) {
        if (depth > MAX_DEPTH) {
            throw new LuaError(fn + ": table nested deeper than " + MAX_DEPTH + " (a cycle?)");
        }
        switch (v.type()) {
            case LuaValue.TNIL:
                return null;
            case LuaValue.TBOOLEAN:
                return v.toboolean();
            case LuaValue.TNUMBER:
                return v.isint() || (v.islong() && v.todouble() == v.tolong())
                        ? (Object) v.tolong()
                        : (Object) v.todouble();
            case LuaValue.TSTRING:
                return v.tojstring();
            case LuaValue.TTABLE:
                LuaTable t = (LuaTable) v;
                int n = t.length();
                int count = 0;
                for (LuaValue k = LuaValue.NIL; ; ) {
                    Varargs e = t.next(k);
                    if ((k = e.arg1()).isnil()) {
                        break;
                    }
                    count++;
                }
                if (n > 0 && n == count) {
                    List<Object> list = new ArrayList<>(n);
                    for (int i = 1; i <= n; i++) {
                        list.add(toJava(t.get(i), fn, depth + 1));
                    }
                    return Collections.unmodifiableList(list);
                }
                Map<String, Object> map = new LinkedHashMap<>();
                for (LuaValue k = LuaValue.NIL; ; ) {
                    Varargs e = t.next(k);
                    if ((k = e.arg1()).isnil()) {
                        break;
                    }
                    if (!k.isstring()) {
                        throw new LuaError(fn + ": table key " + k.tojstring() + " (" + k.typename()
                                + ") is neither a string nor part of a 1..n list");
                    }
                    map.put(k.tojstring(), toJava(e.arg(2), fn, depth + 1));
                }
                return Collections.unmodifiableMap(map);
            default:
                throw new LuaError(fn + ": cannot convert a " + v.typename());
        }
    }

    /** @return a Lua value for a value made by {@link #toJava} (or Jackson's plain types) */
    public static LuaValue toLua(Object o) {
        if (o == null) {
            return LuaValue.NIL;
        }
        if (o instanceof String s) {
            return LuaValue.valueOf(s);
        }
        if (o instanceof Boolean b) {
            return LuaValue.valueOf(b);
        }
        if (o instanceof Integer || o instanceof Long || o instanceof Short || o instanceof Byte) {
            long l = ((Number) o).longValue();
            return l == (int) l ? LuaValue.valueOf((int) l) : LuaValue.valueOf((double) l);
        }
        if (o instanceof Number num) {
            return LuaValue.valueOf(num.doubleValue());
        }
        if (o instanceof List<?> list) {
            LuaTable t = new LuaTable(list.size(), 0);
            for (int i = 0; i < list.size(); i++) {
                t.set(i + 1, toLua(list.get(i)));
            }
            return t;
        }
        if (o instanceof Map<?, ?> map) {
            LuaTable t = new LuaTable();
            map.forEach((k, val) -> t.set(toLua(k), toLua(val)));
            return t;
        }
        return LuaValue.valueOf(o.toString());
    }

    /** @return argument {@code i} as a string; else a Lua error naming {@code fn} and the argument */
    public static String string(Varargs args, int i, String fn, String what) {
        LuaValue v = args.arg(i);
        if (!v.isstring()) {
            throw bad(fn, i, what, "string", v);
        }
        return v.tojstring();
    }

    /** @return argument {@code i} as a table */
    public static LuaTable table(Varargs args, int i, String fn, String what) {
        LuaValue v = args.arg(i);
        if (!v.istable()) {
            throw bad(fn, i, what, "table", v);
        }
        return (LuaTable) v;
    }

    /** @return field {@code key} of an options table as a string, or {@code dflt} when absent */
    public static String field(LuaTable opts, String key, String fn, String dflt) {
        LuaValue v = opts.get(key);
        if (v.isnil()) {
            if (dflt == null) {
                throw new LuaError(fn + ": field '" + key + "' is missing");
            }
            return dflt;
        }
        if (!v.isstring()) {
            throw new LuaError(fn + ": field '" + key + "' must be a string, got " + v.typename());
        }
        return v.tojstring();
    }

    /** @return field {@code key} of an options table as an int in {@code [min,max]}, or {@code dflt} */
    public static int intField(LuaTable opts, String key, String fn, int dflt, int min, int max) {
        LuaValue v = opts.get(key);
        if (v.isnil()) {
            return dflt;
        }
        if (!v.isint() || v.toint() < min || v.toint() > max) {
            throw new LuaError(
                    fn + ": field '" + key + "' must be an integer " + min + ".." + max + ", got " + v.tojstring());
        }
        return v.toint();
    }

    /** @return a Lua error: {@code bad argument #2 'url' to http.get (string expected, got nil)} */
    public static LuaError bad(String fn, int i, String what, String expected, LuaValue got) {
        return new LuaError("bad argument #" + i + " '" + what + "' to " + fn + " (" + expected + " expected, got "
                + got.typename() + ")");
    }

    /** @return the raw bytes of a Lua string */
    public static byte[] bytes(LuaValue v) {
        org.luaj.vm2.LuaString s = v.checkstring();
        byte[] out = new byte[s.m_length];
        s.copyInto(0, out, 0, s.m_length);
        return out;
    }
}
