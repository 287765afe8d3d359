package io.hookline.broker.hooks.testplugins;

import io.hookline.api.ConfigKey;
import io.hookline.api.Plugin;
import io.hookline.api.PluginContext;
import io.hookline.api.hook.input.HookInput;
import java.util.List;

/**
 * A test plugin that registers whatever its {@link Script} says: the script is named by the key
 * {@code <name>.script} (see {@link Script#enable}). Three instances exist under different names
 * ({@code script_a}, {@code script_b}, {@code script_c}) so that one test can put several plugins
 * on a chain with their own {@code plugins.<name>.priority}.
 */
public abstract class ScriptablePlugin implements Plugin {
    private final String name;
    private final ConfigKey<String> scriptKey;

    ScriptablePlugin(String name) {
        this.name = name;
        this.scriptKey = ConfigKey.string(name + ".script", "", "id of the Script to run");
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final List<ConfigKey<?>> configKeys() {
        return List.of(scriptKey);
    }

    @Override
    public final void start(PluginContext ctx) {
        String id = ctx.config().get(scriptKey);
        if (id.isEmpty()) {
            return;
        }
        for (Script.Handler<?> h : Script.byId(id).handlers()) {
            register(ctx, h);
        }
    }

    private static <I extends HookInput> void register(PluginContext ctx, Script.Handler<I> h) {
        if (h.isAsync()) {
            ctx.registerAsync(h.hook(), h.options(), h::callAsync);
        } else {
            ctx.register(h.hook(), h.options(), h::callSync);
        }
    }

    /** {@code script_a}. */
    public static final class A extends ScriptablePlugin {
        public A() {
            super("script_a");
        }
    }

    /** {@code script_b}. */
    public static final class B extends ScriptablePlugin {
        public B() {
            super("script_b");
        }
    }

    /** {@code script_c}. */
    public static final class C extends ScriptablePlugin {
        public C() {
            super("script_c");
        }
    }
}
