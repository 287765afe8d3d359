package io.hookline.lua;

import org.luaj.vm2.Globals;
import org.luaj.vm2.LuaString;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;
import org.luaj.vm2.lib.VarArgFunction;

/**
 * Size checks for the builtins that build a large result in one step, where the per-instruction
 * memory check of {@link CallBudget} would come too late: {@code string.rep} and
 * {@code table.concat} reserve their result's size from the call's {@code lua.max_memory} budget
 * first, then do their work. Stateless apart from the wrapped originals.
 */
final class MemoryChecks {
    private MemoryChecks() {}

    static void install(Globals g, CallBudget budget) {
        LuaValue string = g.get("string");
        LuaValue rep = string.get("rep");
        string.set("rep", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs args) {
                LuaString s = args.checkstring(1);
                long n = args.checklong(2);
                // LuaJ 3.0.1's string.rep takes no separator: the result is s, n times
                long size = n <= 0 ? 0 : multiply(s.length(), n);
                if (size > Integer.MAX_VALUE) {
                    // LuaJ would overflow its int size (or try a 2 GB array): too large, whatever the budget
                    throw new org.luaj.vm2.LuaError("string.rep: result of " + size + " bytes is too large");
                }
                CallBudget.current(budget).reserve(size, "string.rep");
                return rep.invoke(args);
            }
        });
        LuaValue table = g.get("table");
        LuaValue concat = table.get("concat");
        table.set("concat", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs args) {
                LuaTable t = args.checktable(1);
                LuaString sep = args.optstring(2, LuaValue.EMPTYSTRING);
                int from = args.optint(3, 1);
                int to = args.isnoneornil(4) ? t.length() : args.checkint(4);
                long size = 0;
                for (long i = from; i <= to; i++) {
                    LuaValue v = t.get((int) i);
                    if (!v.isstring()) {
                        break; // the original names the bad element
                    }
                    size += v.checkstring().length() + (i < to ? sep.length() : 0);
                }
                // its buffer grows by doubling: up to twice the result is held at once
                CallBudget.current(budget).reserve(2 * size, "table.concat");
                return concat.invoke(args);
            }
        });
    }

    private static long multiply(int length, long times) {
        try {
            return Math.multiplyExact((long) length, times);
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }
}
