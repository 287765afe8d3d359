package io.hookline.lua;

import io.hookline.lua.binding.Bindings;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.luaj.vm2.Globals;
import org.luaj.vm2.LoadState;
import org.luaj.vm2.LuaClosure;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Prototype;
import org.luaj.vm2.Varargs;
import org.luaj.vm2.compiler.LuaC;
import org.luaj.vm2.lib.Bit32Lib;
import org.luaj.vm2.lib.CoroutineLib;
import org.luaj.vm2.lib.PackageLib;
import org.luaj.vm2.lib.StringLib;
import org.luaj.vm2.lib.TableLib;
import org.luaj.vm2.lib.VarArgFunction;
import org.luaj.vm2.lib.jse.JseBaseLib;
import org.luaj.vm2.lib.jse.JseIoLib;
import org.luaj.vm2.lib.jse.JseMathLib;
import org.luaj.vm2.lib.jse.JseOsLib;
import org.luaj.vm2.lib.jse.LuajavaLib;
import org.slf4j.Logger;

/**
 * One Lua state (LuaJ {@link Globals}) of a script version: the standard libraries, sandboxed
 * unless {@code lua.allow_unsafe}, the bindings, the script's chunk run once, and its
 * {@code hooks} table. Not thread-safe: the state pool hands it to one call at a time.
 */
final class LuaState {
    private static final byte LUA_SIGNATURE = 0x1B;
    private static final List<String> UNSAFE_OS =
            List.of("execute", "exit", "remove", "rename", "tmpname", "setlocale");

    private final StateGlobals globals;
    private final CallBudget budget;
    private final LuaTable hooks;
    private final boolean keepState;
    private final List<LuaValue[]> snapshot = new ArrayList<>();
    private int snapshotKeys; // keep_state = false: how many keys the globals had after the chunk ran

    /**
     * Builds the state and runs the script's chunk within {@code deadlineNanos}.
     *
     * @throws ScriptException when the chunk fails or its {@code hooks} table is not valid
     */
    LuaState(ScriptVersion.Source source, LuaRuntime runtime, Logger log, long deadlineNanos) throws ScriptException {
        boolean unsafe = runtime.allowUnsafe();
        globals = new StateGlobals();
        globals.load(new JseBaseLib());
        globals.load(new PackageLib());
        globals.load(new Bit32Lib());
        globals.load(new TableLib());
        globals.load(new StringLib());
        globals.load(new CoroutineLib());
        globals.load(new JseMathLib());
        globals.load(new JseOsLib());
        budget = new CallBudget(runtime.maxMemory());
        globals.load(budget);
        MemoryChecks.install(globals, budget);
        LuaC.install(globals);
        if (unsafe) {
            globals.load(new JseIoLib());
            globals.load(new LuajavaLib());
            LoadState.install(globals);
        } else {
            sandbox(globals);
        }
        Path dir = source.file().toAbsolutePath().getParent();
        globals.get("package").set("path", LuaValue.valueOf(dir.resolve("?.lua").toString()));
        globals.set("print", new Print(log));
        Bindings.install(globals, runtime, new Bindings.CallContext(source.name(), log, budget::remainingNanos));
        budget.arm(deadlineNanos);
        try {
            new LuaClosure(source.prototype(), globals).call();
        } catch (LuaError e) {
            throw new ScriptException(source.name() + ": " + e.getMessage(), e);
        } catch (CallBudget.BudgetExceeded e) {
            throw new ScriptException(source.name() + ": loading ran out of time (lua.call_timeout)", e);
        } catch (CallBudget.MemoryExceeded e) {
            throw new ScriptException(source.name() + ": loading " + e.getMessage(), e);
        } finally {
            budget.disarm();
        }
        LuaValue h = globals.get("hooks");
        if (!h.istable()) {
            throw new ScriptException(source.name() + ": the script sets no global 'hooks' table"
                    + (h.isnil() ? "" : " (hooks is a " + h.typename() + ")"));
        }
        hooks = (LuaTable) h;
        for (LuaValue k = LuaValue.NIL; ; ) {
            Varargs n = hooks.next(k);
            if ((k = n.arg1()).isnil()) {
                break;
            }
            if (!k.isstring()
                    || io.hookline.api.hook.Hooks.byName(k.tojstring()).isEmpty()) {
                throw new ScriptException(source.name() + ": hooks." + k.tojstring() + " is not a hook name");
            }
            if (!n.arg(2).isfunction()) {
                throw new ScriptException(source.name() + ": hooks." + k.tojstring() + " is a "
                        + n.arg(2).typename() + ", not a function");
            }
        }
        keepState = globals.get("keep_state").toboolean();
        if (!keepState) {
            for (LuaValue k = LuaValue.NIL; ; ) {
                Varargs n = globals.next(k);
                if ((k = n.arg1()).isnil()) {
                    break;
                }
                snapshot.add(new LuaValue[] {k, n.arg(2)});
            }
            snapshotKeys = globals.hashKeys();
        }
    }

    /** @return the names in the {@code hooks} table */
    List<String> hookNames() {
        List<String> names = new ArrayList<>();
        for (LuaValue k = LuaValue.NIL; ; ) {
            Varargs n = hooks.next(k);
            if ((k = n.arg1()).isnil()) {
                return names;
            }
            names.add(k.tojstring());
        }
    }

    /** @return the value of a global the script set (e.g. {@code num_states}) */
    LuaValue global(String name) {
        return globals.get(name);
    }

    /**
     * Calls {@code hooks[hook](arg)} within {@code deadlineNanos}.
     *
     * @return the function's first result, or NIL when the script has no function for the hook
     * @throws LuaError on a script error
     * @throws CallBudget.BudgetExceeded when the call ran out of time (the state must be dropped)
     */
    LuaValue call(String hook, LuaValue arg, long deadlineNanos) {
        LuaValue f = hooks.get(hook);
        if (!f.isfunction()) {
            return LuaValue.NIL;
        }
        budget.arm(deadlineNanos);
        try {
            return f.call(arg);
        } finally {
            budget.disarm();
            if (!keepState) {
                restoreGlobals();
            }
        }
    }

    /**
     * keep_state = false: what a call assigned to globals is undone (a shallow reset, like a fresh
     * state). Changed values are put back by key; only when the globals then hold more keys than
     * after loading (the call added some) are they all walked to remove the new ones. A call that
     * added none allocates nothing here.
     */
    private void restoreGlobals() {
        for (LuaValue[] kv : snapshot) {
            if (globals.rawget(kv[0]) != kv[1]) {
                globals.rawset(kv[0], kv[1]);
            }
        }
        if (globals.hashKeys() == snapshotKeys && globals.arrayEmpty()) {
            return; // every key of the snapshot is set again, and there are no others
        }
        List<LuaValue> added = new ArrayList<>();
        for (LuaValue k = LuaValue.NIL; ; ) {
            Varargs n = globals.next(k);
            if ((k = n.arg1()).isnil()) {
                break;
            }
            added.add(k);
        }
        for (LuaValue k : added) {
            globals.rawset(k, LuaValue.NIL);
        }
        for (LuaValue[] kv : snapshot) {
            globals.rawset(kv[0], kv[1]);
        }
    }

    /** Globals whose key count can be read without walking them (LuaJ keeps it for its load factor). */
    private static final class StateGlobals extends Globals {
        /** @return the keys in the hash part (every string key: all that scripts normally set) */
        int hashKeys() {
            return hashEntries;
        }

        /** @return whether no integer key sits in the array part */
        boolean arrayEmpty() {
            for (LuaValue v : array) {
                if (v != null && !v.isnil()) {
                    return false;
                }
            }
            return true;
        }
    }

    private static void sandbox(Globals g) {
        g.set("debug", LuaValue.NIL);
        LuaValue loaded = g.get("package").get("loaded");
        loaded.set("debug", LuaValue.NIL);
        LuaValue os = g.get("os");
        for (String f : UNSAFE_OS) {
            os.set(f, LuaValue.NIL);
        }
        // no Java class loader: require finds only preloaded modules and Lua files
        LuaValue searchers = g.get("package").get("searchers");
        searchers.set(3, LuaValue.NIL);
        // text only: a binary chunk (string.dump output, a luac file) is refused wherever it comes from
        g.undumper = (InputStream stream, String chunkname) -> {
            int first = stream.read();
            if (first == LUA_SIGNATURE) {
                throw new LuaError("loading binary chunks is not allowed (lua.allow_unsafe = off): " + chunkname);
            }
            return null;
        };
    }

    /** print(...) writes to the script's log at info. */
    private static final class Print extends VarArgFunction {
        private final Logger log;

        Print(Logger log) {
            this.log = log;
        }

        @Override
        public Varargs invoke(Varargs args) {
            StringBuilder sb = new StringBuilder();
            for (int i = 1; i <= args.narg(); i++) {
                if (i > 1) {
                    sb.append('\t');
                }
                sb.append(args.arg(i).tojstring());
            }
            log.info("{}", sb);
            return NONE;
        }
    }

    static Prototype compile(InputStream in, String chunkname) throws IOException {
        Globals g = new Globals();
        LuaC.install(g);
        return g.compilePrototype(in, chunkname);
    }
}
