package io.hookline.lua.binding;

import static io.hookline.lua.binding.Bindings.fn;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;

/**
 * {@code json.encode(value)} and {@code json.decode(text)} (Jackson). A table with keys 1..n is
 * a JSON array, any other table an object; an empty table is {@code {}}. {@code decode} answers
 * {@code nil, message} for text that is not JSON. Thread-safe: the mapper is.
 */
final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {}

    static LuaTable table() {
        LuaTable t = new LuaTable();
        t.set("encode", fn("json.encode", a -> {
            if (a.narg() < 1) {
                throw new LuaError("bad argument #1 'value' to json.encode (value expected)");
            }
            try {
                return LuaValue.valueOf(MAPPER.writeValueAsString(LuaValues.toJava(a.arg1(), "json.encode")));
            } catch (JsonProcessingException e) {
                throw new LuaError("json.encode: " + e.getOriginalMessage());
            }
        }));
        t.set("decode", fn("json.decode", a -> {
            String text = LuaValues.string(a, 1, "json.decode", "text");
            try {
                return LuaValues.toLua(MAPPER.readValue(text, Object.class));
            } catch (JsonProcessingException e) {
                return LuaValue.varargsOf(
                        LuaValue.NIL, LuaValue.valueOf("json.decode: invalid JSON: " + e.getOriginalMessage()));
            }
        }));
        return t;
    }
}
