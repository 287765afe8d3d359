package io.hookline.lua.binding;

import io.hookline.lua.LuaRuntime;
import java.util.function.LongSupplier;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;
import org.luaj.vm2.lib.VarArgFunction;
import org.slf4j.Logger;

/**
 * Installs the VerneMQ-compatible bindings into a Lua state: {@code json}, {@code http},
 * {@code postgres}, {@code kv}, {@code log}, {@code bcrypt}, {@code crypto}, {@code obf},
 * {@code auth_cache} and {@code router} (topic patterns with named parameters). Stateless; the functions it makes belong to one state.
 */
public final class Bindings {
    /**
     * What a binding needs to know about the state it serves.
     *
     * @param script the script's name (for log lines)
     * @param log the script's logger
     * @param remainingNanos the time left to the running call, for HTTP and SQL timeouts
     */
    public record CallContext(String script, Logger log, LongSupplier remainingNanos) {}

    /** A Lua function with a name, for short definitions of bindings. */
    @FunctionalInterface
    interface Body {
        Varargs apply(Varargs args);
    }

    private Bindings() {}

    /** Sets the binding tables as globals of {@code globals}. */
    public static void install(LuaTable globals, LuaRuntime runtime, CallContext ctx) {
        globals.set("json", Json.table());
        globals.set("log", logTable(ctx.log()));
        globals.set("kv", runtime.kv().table());
        globals.set("http", runtime.http().table(ctx));
        LuaTable pg = runtime.sql().table(ctx);
        globals.set("postgres", pg);
        globals.set("sql", pg);
        globals.set("bcrypt", Crypto.bcrypt());
        globals.set("crypto", Crypto.crypto());
        globals.set("obf", Crypto.obf());
        globals.set("auth_cache", runtime.authCache().table());
        globals.set("router", TopicRouting.table());
    }

    static VarArgFunction fn(String name, Body body) {
        return new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs args) {
                return body.apply(args);
            }

            @Override
            public String tojstring() {
                return "function: " + name;
            }
        };
    }

    private static LuaTable logTable(Logger log) {
        LuaTable t = new LuaTable();
        t.set("debug", fn("log.debug", a -> {
            log.debug("{}", text(a));
            return LuaValue.NONE;
        }));
        t.set("info", fn("log.info", a -> {
            log.info("{}", text(a));
            return LuaValue.NONE;
        }));
        t.set("warning", fn("log.warning", a -> {
            log.warn("{}", text(a));
            return LuaValue.NONE;
        }));
        t.set("error", fn("log.error", a -> {
            log.error("{}", text(a));
            return LuaValue.NONE;
        }));
        return t;
    }

    private static String text(Varargs a) {
        StringBuilder sb = new StringBuilder();
        for (int i = 1; i <= a.narg(); i++) {
            sb.append(i > 1 ? " " : "").append(a.arg(i).tojstring());
        }
        return sb.toString();
    }
}
